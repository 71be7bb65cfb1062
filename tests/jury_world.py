"""A small jury: an event, a round with a grid, teams with one submitted entry each, jurors and a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from events.domain import public_vote, restricted, seats, sessions, sheets
from events.models import (
    AssignmentMode,
    Challenge,
    ChallengeStatus,
    Criterion,
    Dataset,
    Entry,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    EventRole,
    EventStatus,
    JurySession,
    Registration,
    Role,
    Round,
    Team,
    TeamMember,
    User,
)
from tests.helpers import CHEAP_HASH, make_user

NOW = datetime(2026, 6, 1, 10, 0, 0, tzinfo=UTC)


@dataclass
class JuryWorld:
    event: Event
    stage: Round
    challenge: Challenge
    teams: list[Team]
    entries: list[Entry]
    members: list[User]  # one per team, same order
    jurors: list[User]
    criteria: list[Criterion]
    session: JurySession


async def make_jury_world(
    *,
    teams: int = 3,
    jurors: int = 2,
    grid: tuple[tuple[float, float, float, float], ...] = ((0, 10, 1, 1.0),),
    mode: AssignmentMode = AssignmentMode.ALL,
    k: int = 2,
    normalisation: str = "none",
    trimmed: bool = False,
    opens_at: datetime | None = NOW - timedelta(hours=1),
    closes_at: datetime | None = NOW + timedelta(hours=1),
    open_session: bool = True,
    judging: str = "rubric",
) -> JuryWorld:
    """`grid` rows are (scale_min, scale_max, step, weight)."""
    event = await Event.create(slug="datacity", title="DataCity", status=EventStatus.PUBLISHED)
    stage = await Round.create(event=event, name="Final", position=1)
    challenge = await Challenge.create(
        event=event, slug="mobility", title="Mobility", status=ChallengeStatus.PUBLISHED
    )
    criteria = [
        await Criterion.create(
            round=stage,
            name=f"C{index}",
            scale_min=low,
            scale_max=high,
            step=step,
            weight=weight,
            position=index,
        )
        for index, (low, high, step, weight) in enumerate(grid, start=1)
    ]
    made_teams, entries, members = [], [], []
    for index in range(teams):
        team, member, entry = await add_team_with_entry(event, stage, challenge, index)
        entries.append(entry)
        made_teams.append(team)
        members.append(member)
    seated = [
        await User.create(email=f"juror{index}@example.org", name=f"Juror {index}", password_hash="!")
        for index in range(jurors)
    ]
    session = await sessions.create_session(
        stage=stage,
        name="Final jury",
        opens_at=opens_at,
        closes_at=closes_at,
        assignment_mode=mode,
        k=k,
        normalisation=normalisation,
        trimmed=trimmed,
        mode=judging,
    )
    for user in seated:
        await seats.add_juror(session=session, user=user)
    if open_session:
        await sessions.set_session_status(session=session, status="open", now=NOW - timedelta(hours=2))
    return JuryWorld(event, stage, challenge, made_teams, entries, members, seated, criteria, session)


async def add_team_with_entry(
    event: Event, stage: Round, challenge: Challenge, index: int, **fields
) -> tuple[Team, User, Entry]:
    """Team {index}, its captain Member {index} (member{index}@example.org, no password) and its
    submitted Entry {index} in `stage` under `challenge` (`fields` override the entry's)."""
    team = await Team.create(
        event=event, name=f"Team {index}", name_key=f"team {index}", invite_token_hash=f"t{index}"
    )
    member = await User.create(email=f"member{index}@example.org", name=f"Member {index}", password_hash="!")
    await TeamMember.create(team=team, event=event, user=member, is_captain=True)
    entry = await Entry.create(
        event=event,
        team=team,
        round=stage,
        challenge=challenge,
        **{"title": f"Entry {index}", "status": EntryStatus.SUBMITTED, **fields},
    )
    return team, member, entry


async def entry_of_another_event() -> Entry:
    """A submitted entry of another published event ("other"), for the refusals of foreign ids."""
    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    stage = await Round.create(event=other, name="Final", position=1)
    challenge = await Challenge.create(event=other, slug="c", title="C", status=ChallengeStatus.PUBLISHED)
    team = await Team.create(event=other, name="Outsiders", name_key="outsiders", invite_token_hash="o")
    return await Entry.create(
        event=other,
        team=team,
        round=stage,
        challenge=challenge,
        title="Foreign",
        status=EntryStatus.SUBMITTED,
    )


async def score(world: JuryWorld, juror: User, entry: Entry, *values: float, submit: bool = True) -> None:
    """Values in the order of the grid, then submit."""
    for criterion, value in zip(world.criteria, values, strict=True):
        await sheets.save_score(
            session=world.session, juror=juror, entry=entry, criterion=criterion, value=value, now=NOW
        )
    if submit:
        await sheets.submit_sheet(session=world.session, juror=juror, entry=entry, now=NOW)


async def open_jury_world(*, organiser: tuple[str, str] | None = None, **options) -> JuryWorld:
    """A jury world for HTTP tests, its window open now (real time): jurors hold the event's juror
    role, jurors and members can sign in (verified, in English), and `organiser` (email, name), if
    given, organises the event."""
    now = datetime.now(UTC)
    options.setdefault("opens_at", now - timedelta(hours=1))
    options.setdefault("closes_at", now + timedelta(hours=1))
    world = await make_jury_world(**options)
    for user in [*world.jurors, *world.members]:
        await User.filter(id=user.id).update(password_hash=CHEAP_HASH, email_verified_at=now, language="en")
    for juror in world.jurors:
        await EventRole.create(event=world.event, user=juror, role=Role.JUROR)
    if organiser is not None:
        email, name = organiser
        await EventRole.create(event=world.event, user=await make_user(email, name=name), role=Role.ORGANISER)
    return world


async def member_with_everything(world: JuryWorld, *, answers: dict, vote_for: Entry) -> tuple[User, Dataset]:
    """The first team member (captain of team 0) with every trace a participant leaves, for the tests
    of the export of one's data and of the purge: a verified address, a registration (`answers`), a
    public vote for `vote_for` (the session is open with a public vote), a revision of entry 0, an
    uploaded file, and a restricted dataset whose terms they accepted and whose links they viewed.
    Returns the member, read again, and the dataset."""
    await User.filter(id=world.members[0].id).update(email_verified_at=NOW)
    member = await User.get(id=world.members[0].id)
    await Registration.create(event=world.event, user=member, rules_accepted_at=NOW, answers=answers)
    await public_vote.cast_vote(session=world.session, user=member, entry_id=vote_for.id, now=NOW)
    entry = world.entries[0]
    await EntryRevision.create(entry=entry, number=2, data={"title": entry.title}, author=member)
    await EntryFile.create(
        entry=entry,
        storage_key="k1",
        original_name="deck.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=member,
    )
    dataset = await Dataset.create(event=world.event, title="Fichier fiscal", restricted=True)
    await restricted.accept_terms(dataset=dataset, team=world.teams[0], user=member)
    await restricted.record_link_view(dataset=dataset, team=world.teams[0], user=member)
    return member, dataset
