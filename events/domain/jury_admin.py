"""The organiser's side of a jury: seating jurors by email, editing and deleting a session, a
challenge's own grid (copied from the round's), reading the results (the frozen snapshot once the
session is closed) and exporting them, with the scores, as CSV and JSON.

Exports are for organisers: the score export names jurors; the results export does not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from events.domain import invitations
from events.domain.criteria import refuse_once_judging
from events.domain.errors import FormErrors
from events.domain.jury import add_juror, compute_assignments
from events.domain.public_vote import vote_counts
from events.domain.results import compute_results
from events.i18n import _, format_when
from events.mail import mail_users
from events.models import (
    Assignment,
    AssignmentMode,
    Award,
    Challenge,
    Criterion,
    Entry,
    Event,
    JurySession,
    JurySessionChallenge,
    JurySessionJuror,
    Normalisation,
    Role,
    Round,
    Score,
    ScoreSheet,
    SessionStatus,
    Team,
    User,
)

log = logging.getLogger("hackcity.jury")


@dataclass(frozen=True)
class SeatResult:
    seated: bool  # an account existed: it is on the jury now
    email: str


async def invite_juror(
    *, session: JurySession, email: str, invited_by: User, base_url: str, default_language: str
) -> SeatResult:
    """An existing account gets the juror role and a seat at once, and a mail saying so with the
    link to its jury page; otherwise an invitation to the session is mailed: accepting it grants
    the juror role and the seat (`events.domain.invitations.accept_invitation`)."""
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.OPEN):
        raise FormErrors({None: _("This jury session is closed.")})
    event = await session.event
    result = await invitations.invite(
        event=event,
        email=email,
        role=Role.JUROR.value,
        invited_by=invited_by,
        base_url=base_url,
        default_language=default_language,
        jury_session=session,
    )
    if not result.granted:
        return SeatResult(seated=False, email=result.email)
    user = await User.get(email=result.email, is_active=True)
    already = await JurySessionJuror.exists(session_id=session.id, user_id=user.id)
    await add_juror(session=session, user=user)
    if session.status == SessionStatus.OPEN:
        await compute_assignments(session=session)  # the new juror takes a share of the entries
    if not already:
        await _mail_seat(session, event, user, invited_by, base_url)
    return SeatResult(seated=True, email=result.email)


async def _mail_seat(
    session: JurySession, event: Event, juror: User, invited_by: User, base_url: str
) -> None:
    link = f"{base_url}/events/{event.slug}/jury/{session.id}"

    def compose(user: User) -> tuple[str, str]:
        if session.opens_at:
            when = _("Scoring opens on %(when)s.", when=format_when(session.opens_at, event.timezone, "long"))
        else:
            when = _("The organisers will open the scoring.")
        return _("You are on the jury %(session)s of %(event)s", session=session.name, event=event.title), _(
            "Hello %(name)s,\n\n%(organiser)s seated you on the jury “%(session)s” of %(event)s. "
            "%(when)s\n\nOn your jury page, accept the seat and name the teams you know "
            "(conflicts of interest):\n\n%(link)s\n",
            name=user.name,
            organiser=invited_by.name,
            session=session.name,
            event=event.title,
            when=when,
            link=link,
        )

    await mail_users([juror], compose)


# --- editing and deleting a session --------------------------------------------------------------


def _clean_name(name: str, errors: dict[str | None, str]) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        errors["name"] = _("Enter a name of at most 120 characters.")
    return name


async def update_session(
    *,
    session: JurySession,
    name: str,
    opens_at: datetime | None,
    closes_at: datetime | None,
    challenge_ids: list[int] | None = None,
    assignment_mode: AssignmentMode | str | None = None,
    k: int | None = None,
    blind: bool | None = None,
    normalisation: str | None = None,
    trimmed: bool | None = None,
    public_vote: bool | None = None,
    now: datetime | None = None,
) -> JurySession:
    """Change a session's settings. While it is scheduled everything can change (an assignment
    already made, by a juror declaring conflicts, is recomputed); while it is open only its name and
    scoring window, and the end of scoring only moves later, into the future (jurors count on it). Closed or
    published: refused. Arguments left to None keep their value."""
    errors: dict[str | None, str] = {}
    name = _clean_name(name, errors)
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = _("The end of scoring must come after its start.")
    if assignment_mode is not None and assignment_mode not in {m.value for m in AssignmentMode}:
        errors["assignment_mode"] = _("Choose how entries are shared among jurors.")
    elif assignment_mode == AssignmentMode.K and (k is None or not 1 <= k <= 50):
        errors["k"] = _("Enter between %(min)s and %(max)s jurors per entry.", min=1, max=50)
    if normalisation is not None and normalisation not in {n.value for n in Normalisation}:
        errors["normalisation"] = _("Choose a normalisation.")
    if challenge_ids:
        known = await Challenge.filter(event_id=session.event_id, id__in=challenge_ids).count()
        if known != len(set(challenge_ids)):
            errors["challenges"] = _("Choose challenges of this event.")
    if errors:
        raise FormErrors(errors)
    settings: dict[str, Any] = {
        "assignment_mode": AssignmentMode(assignment_mode) if assignment_mode is not None else None,
        "k": k,
        "blind": blind,
        "normalisation": normalisation,
        "trimmed": trimmed,
        "public_vote": public_vote,
    }
    async with in_transaction():
        # Locked like the status transition: an edit never races with opening or closing.
        current = await JurySession.select_for_update().get(id=session.id)
        updates: dict[str, Any] = {"name": name, "opens_at": opens_at, "closes_at": closes_at}
        if current.status == SessionStatus.OPEN:
            changed = [
                key for key, value in settings.items() if value is not None and value != getattr(current, key)
            ]
            current_challenges = set(
                await JurySessionChallenge.filter(session_id=current.id).values_list(
                    "challenge_id", flat=True
                )
            )
            if changed or (challenge_ids is not None and set(challenge_ids) != current_challenges):
                raise FormErrors(
                    {None: _("While the session is open, only its name and scoring window can change.")}
                )
            if (
                opens_at is not None
                and opens_at != current.opens_at
                and opens_at > (now or datetime.now(UTC))
            ):
                raise FormErrors(
                    {"opens_at": _("While the session is open, its start cannot move later than now.")}
                )
            moved = closes_at is not None and closes_at != current.closes_at
            if moved and (
                (current.closes_at is not None and closes_at < current.closes_at)
                or closes_at <= (now or datetime.now(UTC))
            ):
                raise FormErrors(
                    {"closes_at": _("While the session is open, the end of scoring can only move later.")}
                )
        elif current.status != SessionStatus.SCHEDULED:
            raise FormErrors({None: _("This jury session is closed: its settings can no longer change.")})
        else:
            updates.update({key: value for key, value in settings.items() if value is not None})
        await JurySession.filter(id=current.id).update(**updates)
        for key, value in updates.items():
            setattr(session, key, value)
        if current.status == SessionStatus.SCHEDULED and challenge_ids is not None:
            await JurySessionChallenge.filter(session_id=current.id).delete()
            for challenge_id in sorted(set(challenge_ids)):
                await JurySessionChallenge.create(session_id=current.id, challenge_id=challenge_id)
        if current.status == SessionStatus.SCHEDULED and await Assignment.exists(session_id=current.id):
            await compute_assignments(session=session)
    log.info("jury session %s edited (%s)", session.id, ", ".join(sorted(updates)))
    return session


async def delete_session(*, session: JurySession) -> None:
    """Delete a session with its jurors, assignments, conflicts and pending invitations: while it is
    scheduled, or later as long as no juror has started a score sheet. Published results stay."""
    async with in_transaction():
        current = await JurySession.select_for_update().get_or_none(id=session.id)
        if current is None:
            return
        if current.status == SessionStatus.PUBLISHED:
            raise FormErrors({None: _("This session's results are published: it cannot be deleted.")})
        if current.status != SessionStatus.SCHEDULED and await ScoreSheet.exists(session_id=current.id):
            raise FormErrors(
                {None: _("Jurors have started scoring in this session: it can no longer be deleted.")}
            )
        await JurySession.filter(id=current.id).delete()
    log.info("jury session %s deleted (was %s)", session.id, current.status)


def can_delete(session: JurySession, has_sheets: bool) -> bool:
    return session.status == SessionStatus.SCHEDULED or (
        session.status != SessionStatus.PUBLISHED and not has_sheets
    )


# --- a challenge's own grid -----------------------------------------------------------------------


async def own_grid_sizes(stage: Round) -> dict[int, int]:
    """How many criteria of its own each challenge has in the round (challenges without: absent)."""
    sizes: dict[int, int] = {}
    for challenge_id in await Criterion.filter(round_id=stage.id, challenge_id__isnull=False).values_list(
        "challenge_id", flat=True
    ):
        sizes[challenge_id] = sizes.get(challenge_id, 0) + 1
    return sizes


async def copy_round_grid(*, stage: Round, challenge: Challenge) -> list[Criterion]:
    """Start a challenge's own grid from a copy of the round's, to adjust it. Refused when the
    challenge already has criteria, when the round has none, or once a jury of the round opened."""
    async with in_transaction():
        await refuse_once_judging(stage)
        if await Criterion.exists(round_id=stage.id, challenge_id=challenge.id):
            raise FormErrors({None: _("This challenge already has its own grid: edit it instead.")})
        general = await Criterion.filter(round_id=stage.id, challenge_id=None).order_by("position", "id")
        if not general:
            raise FormErrors({None: _("The round has no criterion to copy yet.")})
        copies = [
            await Criterion.create(
                round_id=stage.id,
                challenge_id=challenge.id,
                name=criterion.name,
                description=criterion.description,
                weight=criterion.weight,
                scale_min=criterion.scale_min,
                scale_max=criterion.scale_max,
                step=criterion.step,
                levels=criterion.levels,
                position=position,
            )
            for position, criterion in enumerate(general, start=1)
        ]
    log.info("round %s grid copied to challenge %s (%s criteria)", stage.id, challenge.id, len(copies))
    return copies


async def drop_challenge_grid(*, stage: Round, challenge: Challenge) -> int:
    """Delete a challenge's own criteria: it uses the round's grid again. Refused once judging began."""
    async with in_transaction():
        await refuse_once_judging(stage)
        deleted = await Criterion.filter(round_id=stage.id, challenge_id=challenge.id).delete()
    log.info("challenge %s grid in round %s dropped (%s criteria)", challenge.id, stage.id, deleted)
    return deleted


async def session_results(session: JurySession) -> dict[str, Any]:
    """The frozen snapshot once the session is closed, else the results as they stand now."""
    if session.results_snapshot is not None:
        return session.results_snapshot
    return await compute_results(session=session)


@dataclass
class Names:
    entries: dict[int, Entry]
    teams: dict[int, str]
    challenges: dict[int, str]
    criteria: dict[int, Criterion]
    votes: dict[int, int] | None = None  # entry id → public votes; None: the session has no public vote
    awards: list[dict[str, Any]] | None = None  # the awards given, in order


async def names_for(session: JurySession, results: dict[str, Any]) -> Names:
    """Titles of what the results refer to by id, with the public votes and the awards, in a
    constant number of queries."""
    entry_ids = [row["entry_id"] for row in results["entries"]]
    entries = {entry.id: entry for entry in await Entry.filter(id__in=entry_ids)}
    teams = dict(await Team.filter(id__in={e.team_id for e in entries.values()}).values_list("id", "name"))
    challenges = dict(await Challenge.filter(event_id=session.event_id).values_list("id", "title"))
    criteria = {c.id: c for c in await Criterion.filter(round_id=session.round_id).order_by("position", "id")}
    votes = await vote_counts(session) if session.public_vote else None
    awards = (
        await Award.filter(session_id=session.id)
        .order_by("position", "id")
        .values("challenge_id", "entry_id", "title", "position")
    )
    return Names(entries, teams, challenges, criteria, votes, awards)


def _title(names: Names, entry_id: int) -> str:
    entry = names.entries.get(entry_id)
    return entry.title if entry else ""


def results_table(results: dict[str, Any], names: Names) -> tuple[list[str], list[list[Any]]]:
    """The ranking as a header and rows, for the CSV export (`events.csv_export`); scores stay numbers."""
    header = [
        "challenge",
        "rank",
        "entry_id",
        "entry",
        "team",
        "score",
        "raw_mean",
        "difference",
        "sheets",
        "trimmed",
        "tie_broken",
    ]
    rows: list[list[Any]] = []
    for row in results["entries"]:
        rows.append(
            [
                names.challenges.get(row["challenge_id"], ""),
                row["rank"],
                row["entry_id"],
                _title(names, row["entry_id"]),
                names.teams.get(row["team_id"], ""),
                row["score"],
                row["raw_mean"],
                row["difference"],
                row["sheets"],
                row["trimmed"],
                row["tie_broken"],
            ]
        )
    return header, rows


def results_json(session: JurySession, results: dict[str, Any], names: Names) -> dict[str, Any]:
    """The results with the titles they refer to; jurors stay anonymous (their labels only)."""
    entries = []
    for row in results["entries"]:
        entries.append(
            {
                **{key: value for key, value in row.items() if key != "criteria"},
                "entry": _title(names, row["entry_id"]),
                "team": names.teams.get(row["team_id"], ""),
                "challenge": names.challenges.get(row["challenge_id"], ""),
                "criteria": [
                    {
                        "criterion_id": int(criterion_id),
                        "criterion": names.criteria[int(criterion_id)].name
                        if int(criterion_id) in names.criteria
                        else "",
                        "average": average,
                    }
                    for criterion_id, average in (row.get("criteria") or {}).items()
                ],
                **({"votes": names.votes.get(row["entry_id"], 0)} if names.votes is not None else {}),
            }
        )
    return {
        "session": {"id": session.id, "name": session.name, "status": str(session.status)},
        "computed_at": results["computed_at"],
        "normalisation": results["normalisation"],
        "trimmed": results["trimmed"],
        "public_vote": names.votes is not None,
        "entries": entries,
        "awards": [
            {
                **award,
                "challenge": names.challenges.get(award["challenge_id"]) if award["challenge_id"] else None,
                "entry": _title(names, award["entry_id"]),
            }
            for award in names.awards or []
        ],
    }


async def scores_table(session: JurySession) -> tuple[list[str], list[list[Any]]]:
    """Every score of the session, one row per juror, entry and criterion, for the CSV export."""
    sheets = (
        await ScoreSheet.filter(session_id=session.id)
        .order_by("entry_id", "juror_id")
        .values("id", "entry_id", "juror_id", "status", "assigned", "total")
    )
    scores: dict[tuple[int, int], float] = {
        (sheet_id, criterion_id): value
        for sheet_id, criterion_id, value in await Score.filter(
            sheet_id__in=[sheet["id"] for sheet in sheets]
        ).values_list("sheet_id", "criterion_id", "value")
    }
    jurors = {
        user_id: (name, email)
        for user_id, name, email in await User.filter(
            id__in={sheet["juror_id"] for sheet in sheets}
        ).values_list("id", "name", "email")
    }
    entries = dict(
        await Entry.filter(id__in={sheet["entry_id"] for sheet in sheets}).values_list("id", "title")
    )
    criteria = await Criterion.filter(round_id=session.round_id).order_by("position", "id")
    header = [
        "juror",
        "juror_email",
        "entry_id",
        "entry",
        "criterion",
        "value",
        "sheet_status",
        "counted",
        "sheet_total",
    ]
    rows: list[list[Any]] = []
    for sheet in sheets:
        name, email = jurors.get(sheet["juror_id"], ("", ""))
        for criterion in criteria:
            value = scores.get((sheet["id"], criterion.id))
            if value is None:
                continue
            rows.append(
                [
                    name,
                    email,
                    sheet["entry_id"],
                    entries.get(sheet["entry_id"], ""),
                    criterion.name,
                    value,
                    sheet["status"],
                    sheet["assigned"],
                    sheet["total"],
                ]
            )
    return header, rows
