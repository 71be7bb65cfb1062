"""Teams of an event: creation, invitations (link and mail), join requests, the captain's powers,
leaving, size limits and the challenges a team picks.

Races are settled by the database, never by a check-then-write in Python (docs/SECURITY.md,
"Concurrency and deadlines"):
- one name per event: the UNIQUE (event, name_key) constraint, `name_key` being the case- and
  accent-folded name, so "Les Écureuils" and "les ecureuils" collide;
- one team per person per event: the UNIQUE (event, user) constraint on `TeamMember`;
- the size limit (`team_size_limit`) and a challenge's `max_teams`: the team (or challenge) row is locked with
  SELECT ... FOR UPDATE inside the transaction that counts and inserts. On PostgreSQL the lock
  makes parallel joins wait for each other; on SQLite `select_for_update` does nothing, but
  Tortoise runs the transactions of its single connection one after the other.

A team's size limit belongs to the rounds it takes part in: the smallest `team_max` among the rounds
in which the team has an entry that is not frozen yet (its round's deadline plus grace has not
passed), and, while it has none, the `team_max` of the current round. Every way in (the invitation
link, a join request the captain accepts, an invitation by mail, which leads to the link) goes
through `_add_member`, which reads the limit under the team's lock; creating or submitting an entry
checks the round's own limit under the same lock (`events.domain.entries`), so two overlapping
rounds with different limits cannot be played against each other.

The invitation link: `invite_token_hash` holds a random value (never shown), and the link's token
is the team id plus an HMAC of that value keyed with SECRET_KEY. The database alone does not give
a working link, members can be shown the link at any time, and the captain regenerates it (a new
random value) to make every earlier link stop working.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from events.domain import throttle
from events.domain.entries import is_frozen
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.domain.registration import registration_of
from events.i18n import _, ngettext
from events.mail import mail_address, mail_users
from events.models import (
    Challenge,
    ChallengeStatus,
    Entry,
    EntryStatus,
    Event,
    JoinRequest,
    JoinRequestStatus,
    Round,
    Team,
    TeamChallenge,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.teams")
NAME_MAX = 100
DESCRIPTION_MAX = 2000
MESSAGE_MAX = 500
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
TOKEN_RE = re.compile(r"^(\d{1,12})-([A-Za-z0-9_-]{20,64})$")


class NotCaptain(Exception):
    """A member tried something only the captain may do (the route answers 403)."""


class NotFound(Exception):
    """The member, request or team is not one of the acting user's team (the route answers 404)."""


# --- names and tokens --------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The name as compared for uniqueness: accents dropped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())[:NAME_MAX]


def _new_invite_secret() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def invite_token(team: Team, *, secret_key: str) -> str:
    mac = hmac.new(
        secret_key.encode(), f"team-invite:{team.id}:{team.invite_token_hash}".encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"{team.id}-{mac}"


def invite_link(team: Team, *, secret_key: str, base_url: str) -> str:
    """The join link, always built from the configured BASE_URL (never the Host header)."""
    return f"{base_url}/join/{invite_token(team, secret_key=secret_key)}"


async def team_for_token(token: str, *, secret_key: str) -> Team | None:
    """The team a join link points at, or None for a wrong, old (regenerated) or malformed token."""
    match = TOKEN_RE.match(token or "")
    if not match:
        return None
    team = await Team.get_or_none(id=int(match.group(1))).select_related("event")
    if team is None or not hmac.compare_digest(invite_token(team, secret_key=secret_key), token):
        return None
    return team


# --- reading -------------------------------------------------------------------------------------


async def membership(*, event: Event, user: User) -> TeamMember | None:
    """The user's place in a team of this event, with the team."""
    return await TeamMember.get_or_none(event_id=event.id, user_id=user.id).select_related("team")


async def members_of(team: Team) -> list[TeamMember]:
    return (
        await TeamMember.filter(team_id=team.id)
        .select_related("user")
        .order_by("-is_captain", "joined_at", "id")
    )


async def current_round(event: Event, now: datetime | None = None) -> Round | None:
    """The round in progress: the last one (in order) that has opened; before that, the first."""
    now = now or datetime.now(UTC)
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    started = [r for r in rounds if r.opens_at is not None and r.opens_at <= now]
    if started:
        return started[-1]
    return rounds[0] if rounds else None


async def size_limit(event: Event, now: datetime | None = None) -> int | None:
    """The largest team allowed now (`team_max` of the current or first round); None: no round, no limit.
    For a team that exists, `team_size_limit` says more."""
    stage = await current_round(event, now)
    return stage.team_max if stage else None


@dataclass(frozen=True)
class SizeLimit:
    """A team's size limit and where it comes from."""

    limit: int | None  # None: the event has no round, no limit
    rounds: list[Round]  # the round(s) whose `team_max` it is
    from_entries: bool  # True: the smallest limit among rounds with an open entry; False: the current round


def size_rule_sentence(rule: SizeLimit) -> str:
    """The rule as the team page says it."""
    if rule.limit is None:
        return ""
    rounds = ", ".join(stage.name for stage in rule.rounds)
    if rule.from_entries:
        where = ngettext(
            "Your team can have at most %(num)s member: the smallest limit among the rounds where it has "
            "an entry still open (%(rounds)s).",
            "Your team can have at most %(num)s members: the smallest limit among the rounds where it has "
            "an entry still open (%(rounds)s).",
            rule.limit,
            rounds=rounds,
        )
    else:
        where = ngettext(
            "Your team can have at most %(num)s member: the limit of the current round (%(rounds)s).",
            "Your team can have at most %(num)s members: the limit of the current round (%(rounds)s).",
            rule.limit,
            rounds=rounds,
        )
    return (
        where
        + " "
        + _(
            "Each round sets its own limit: a team larger than a round's limit can neither start "
            "nor submit an entry to it."
        )
    )


async def team_size_limit(*, team_id: int, event: Event, now: datetime | None = None) -> SizeLimit:
    """The smallest `team_max` among the rounds where the team has an entry not frozen yet; without
    one, the current round's."""
    now = now or datetime.now(UTC)
    round_ids = set(await Entry.filter(team_id=team_id).values_list("round_id", flat=True))
    rounds = await Round.filter(id__in=list(round_ids)).order_by("position", "id") if round_ids else []
    open_rounds = [stage for stage in rounds if not is_frozen(stage, now)]
    if open_rounds:
        limit = min(stage.team_max for stage in open_rounds)
        return SizeLimit(limit, [s for s in open_rounds if s.team_max == limit], from_entries=True)
    stage = await current_round(event, now)
    if stage is None:
        return SizeLimit(None, [], from_entries=False)
    return SizeLimit(stage.team_max, [stage], from_entries=False)


@dataclass
class PublicTeam:
    team: Team
    challenges: list[Challenge]
    size: int
    # Names of the members who agreed to have their name published.
    names: list[str] = field(default_factory=list)


async def public_teams(*, event: Event, offset: int = 0, limit: int | None = None) -> list[PublicTeam]:
    """The event's teams by name (from `offset`, at most `limit`), with their size, their published
    challenges and the names of the members who publish theirs: three queries, whatever the number."""
    query = Team.filter(event_id=event.id).order_by("name", "id").offset(offset)
    teams = await (query.limit(limit) if limit is not None else query)
    ids = [team.id for team in teams]
    members = await TeamMember.filter(team_id__in=ids).select_related("user").order_by("joined_at", "id")
    links = await TeamChallenge.filter(team_id__in=ids).select_related("challenge")
    listed = {t.id: PublicTeam(team=t, challenges=[], size=0) for t in teams}
    for member in members:
        entry = listed[member.team_id]
        entry.size += 1
        if member.user.opt_in_publish_name and member.user.anonymised_at is None:
            entry.names.append(member.user.name)
    for link in links:
        if link.challenge.status == ChallengeStatus.PUBLISHED:
            listed[link.team_id].challenges.append(link.challenge)
    return list(listed.values())


async def count_teams(*, event: Event) -> int:
    return await Team.filter(event_id=event.id).count()


# --- the organiser's list -------------------------------------------------------------------------

ENTRY_FILTERS = ("submitted", "not_submitted")


@dataclass(frozen=True)
class TeamFilters:
    """The organiser's filters on the teams: a challenge the team chose, whether it has submitted."""

    challenge_id: int | None = None
    entries: str = ""


@dataclass
class TeamRow:
    """A team as its organisers see it: every member (captain first), every challenge, its entries."""

    team: Team
    members: list[TeamMember] = field(default_factory=list)
    challenges: list[Challenge] = field(default_factory=list)
    drafts: int = 0
    submitted: int = 0


def read_team_filters(params: dict[str, str], challenges: list[Challenge]) -> TeamFilters:
    """Filters from a query string; unknown values are dropped."""
    challenge_id = parse_id(params.get("challenge", ""))
    entries = params.get("entries", "")
    return TeamFilters(
        challenge_id=challenge_id if challenge_id in {c.id for c in challenges} else None,
        entries=entries if entries in ENTRY_FILTERS else "",
    )


def _teams(event: Event, filters: TeamFilters):
    query = Team.filter(event_id=event.id)
    if filters.challenge_id:
        query = query.filter(
            id__in=Subquery(TeamChallenge.filter(challenge_id=filters.challenge_id).values("team_id"))
        )
    submitted = Subquery(Entry.filter(event_id=event.id, status=EntryStatus.SUBMITTED).values("team_id"))
    if filters.entries == "submitted":
        query = query.filter(id__in=submitted)
    elif filters.entries == "not_submitted":
        query = query.exclude(id__in=submitted)
    return query


async def count_managed_teams(*, event: Event, filters: TeamFilters) -> int:
    return await _teams(event, filters).count()


async def managed_teams(*, event: Event, filters: TeamFilters, offset: int, limit: int) -> list[TeamRow]:
    """One page of the filtered teams by name, with members, challenges and entries: four queries."""
    teams = await _teams(event, filters).order_by("name", "id").offset(offset).limit(limit)
    rows = {team.id: TeamRow(team=team) for team in teams}
    members = (
        await TeamMember.filter(team_id__in=list(rows))
        .select_related("user")
        .order_by("-is_captain", "joined_at", "id")
    )
    for member in members:
        rows[member.team_id].members.append(member)
    for link in await TeamChallenge.filter(team_id__in=list(rows)).select_related("challenge"):
        rows[link.team_id].challenges.append(link.challenge)
    for team_id, status in await Entry.filter(team_id__in=list(rows)).values_list("team_id", "status"):
        if status == EntryStatus.SUBMITTED:
            rows[team_id].submitted += 1
        else:
            rows[team_id].drafts += 1
    return list(rows.values())


# --- creating a team -------------------------------------------------------------------------------


async def _require_registration(event: Event, user: User) -> None:
    if await registration_of(event=event, user=user) is None:
        raise FormErrors({None: _("Register for the event before you create or join a team.")})


async def create_team(*, event: Event, user: User, name: str, description: str = "") -> Team:
    """A new team with its creator as captain. A name taken by another team (ignoring case and
    accents) or a creator who already has a team is refused, even for parallel requests."""
    name = " ".join(name.split())
    description = description.strip()
    errors: dict[str | None, str] = {}
    if not name or len(name) > NAME_MAX or not name_key(name):
        errors["name"] = _("Enter a team name of at most %(n)s characters.", n=NAME_MAX)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("Use at most %(n)s characters.", n=DESCRIPTION_MAX)
    if errors:
        raise FormErrors(errors)
    await _require_registration(event, user)
    if await TeamMember.exists(event_id=event.id, user_id=user.id):
        raise FormErrors({None: _("You are already in a team of this event.")})
    try:
        async with in_transaction():
            team = await Team.create(
                event=event,
                name=name,
                name_key=name_key(name),
                description=description,
                invite_token_hash=_new_invite_secret(),
            )
            await TeamMember.create(team=team, event=event, user=user, is_captain=True)
    except IntegrityError:
        # Which constraint refused it: the creator joined a team meanwhile, or the name is taken.
        if await TeamMember.exists(event_id=event.id, user_id=user.id):
            raise FormErrors({None: _("You are already in a team of this event.")}) from None
        raise FormErrors({"name": _("Another team already uses this name.")}) from None
    log.info("team %s created in event %s by user %s", team.id, event.id, user.id)
    return team


# --- joining --------------------------------------------------------------------------------------


async def _add_member(team: Team, user: User, now: datetime | None = None) -> TeamMember:
    """Add a member if a seat is free, atomically: lock the team, read its limit, count, insert.
    The limit is read under the lock because an entry started meanwhile (under the same lock) can
    lower it."""
    event = await Event.get(id=team.event_id)
    try:
        async with in_transaction():
            locked = await Team.select_for_update().get_or_none(id=team.id)
            if locked is None:
                raise FormErrors({None: _("This team no longer exists.")})
            limit = (await team_size_limit(team_id=team.id, event=event, now=now)).limit
            if limit is not None and await TeamMember.filter(team_id=team.id).count() >= limit:
                full = ngettext(
                    "This team is full (%(num)s member at most).",
                    "This team is full (%(num)s members at most).",
                    limit,
                )
                raise FormErrors({None: full})
            member = await TeamMember.create(team_id=team.id, event_id=team.event_id, user=user)
    except IntegrityError:
        raise FormErrors({None: _("You are already in a team of this event.")}) from None
    log.info("user %s joined team %s", user.id, team.id)
    return member


async def join_by_invite(*, token: str, user: User, secret_key: str, now: datetime | None = None) -> Team:
    team = await team_for_token(token, secret_key=secret_key)
    if team is None:
        raise NotFound
    await _require_registration(team.event, user)
    if await TeamMember.exists(event_id=team.event_id, user_id=user.id):
        raise FormErrors({None: _("You are already in a team of this event.")})
    await _add_member(team, user, now)
    await JoinRequest.filter(team_id=team.id, user_id=user.id, status=JoinRequestStatus.PENDING).update(
        status=JoinRequestStatus.ACCEPTED, decided_at=now or datetime.now(UTC)
    )
    return team


async def join_named_team(*, event: Event, user: User, name: str, now: datetime | None = None) -> Team:
    """Place a registered user in the event's team of this name (case and accents aside), as an
    organiser's invitation to a team says: they join it if it exists (a seat must be free), else they
    create it and are its captain. Two invitees accepting at once: one creates it, the other joins.

    Refused (FormErrors) when the user is not registered, is already in another team, or the team is
    full; nothing changes then."""
    key = name_key(name)
    for _attempt in range(2):
        team = await Team.get_or_none(event_id=event.id, name_key=key)
        current = await membership(event=event, user=user)
        if current is not None:
            if team is not None and current.team_id == team.id:
                return team
            raise FormErrors(
                {
                    None: _(
                        "You are already in the team “%(current)s” of this event: leave it before you "
                        "join “%(team)s”.",
                        current=current.team.name,
                        team=team.name if team else " ".join(name.split()),
                    )
                }
            )
        if team is None:
            try:
                return await create_team(event=event, user=user, name=name)
            except FormErrors as error:
                if set(error.errors) != {"name"}:
                    raise
                continue  # another invitee created it meanwhile: join it
        await _require_registration(event, user)
        await _add_member(team, user, now)
        return team
    raise FormErrors({None: _("The team could not be joined. Try again.")})


async def request_to_join(
    *, event: Event, user: User, team_id: str, base_url: str, message: str = ""
) -> JoinRequest:
    """Ask a team's captain to be let in; a refused request may be asked again. The captain is
    mailed, in their language, with the link to the team's page where they answer."""
    wanted = parse_id(team_id)
    team = await Team.get_or_none(id=wanted, event_id=event.id) if wanted is not None else None
    if team is None:
        raise FormErrors({"team": _("Choose a team of this event.")})
    message = message.strip()
    if len(message) > MESSAGE_MAX:
        raise FormErrors({"message": _("Use at most %(n)s characters.", n=MESSAGE_MAX)})
    await _require_registration(event, user)
    if await TeamMember.exists(event_id=event.id, user_id=user.id):
        raise FormErrors({None: _("You are already in a team of this event.")})
    existing = await JoinRequest.get_or_none(team_id=team.id, user_id=user.id)
    if existing is not None and existing.status == JoinRequestStatus.PENDING:
        raise FormErrors({None: _("You already asked to join this team: its captain will answer.")})
    if existing is not None:
        existing.status, existing.message, existing.decided_at = JoinRequestStatus.PENDING, message, None
        await existing.save(update_fields=["status", "message", "decided_at"])
        request = existing
    else:
        try:
            request = await JoinRequest.create(team=team, user=user, message=message)
        except IntegrityError:
            raise FormErrors(
                {None: _("You already asked to join this team: its captain will answer.")}
            ) from None
    log.info("user %s asked to join team %s", user.id, team.id)
    await _mail_captain(event, team, user, message, base_url)
    return request


async def _mail_captain(event: Event, team: Team, asker: User, message: str, base_url: str) -> None:
    captains = await User.filter(memberships__team_id=team.id, memberships__is_captain=True)
    link = f"{base_url}/events/{event.slug}/team"

    def compose(captain: User) -> tuple[str, str]:
        body = _(
            "Hello %(name)s,\n\n%(asker)s asks to join your team “%(team)s” in %(event)s.\n",
            name=captain.name,
            asker=asker.name,
            team=team.name,
            event=event.title,
        )
        if message:
            body += "\n" + _("Their message:") + "\n\n" + message + "\n"
        body += "\n" + _("Accept or refuse on your team's page:") + "\n\n" + link + "\n"
        return _("%(asker)s asks to join your team %(team)s", asker=asker.name, team=team.name), body

    await mail_users(captains, compose)


async def pending_requests(team: Team) -> list[JoinRequest]:
    return (
        await JoinRequest.filter(team_id=team.id, status=JoinRequestStatus.PENDING)
        .select_related("user")
        .order_by("created_at", "id")
    )


async def my_pending_requests(*, event: Event, user: User) -> list[JoinRequest]:
    return (
        await JoinRequest.filter(team__event_id=event.id, user_id=user.id, status=JoinRequestStatus.PENDING)
        .select_related("team")
        .order_by("created_at", "id")
    )


# --- the captain's powers ------------------------------------------------------------------------


def _require_captain(member: TeamMember) -> None:
    if not member.is_captain:
        raise NotCaptain


def _id(value: str, field_name: str, message: str) -> int:
    wanted = parse_id(value)
    if wanted is None:
        raise FormErrors({field_name: message})
    return wanted


async def decide_join_request(
    *, member: TeamMember, request_id: str, accept: bool | None, now: datetime | None = None
) -> JoinRequest:
    """The captain accepts (the asker joins, if a seat is free) or refuses a pending request."""
    _require_captain(member)
    wanted = _id(request_id, "request", _("Choose a request."))
    if accept is None:
        raise FormErrors({"decision": _("Choose to accept or refuse.")})
    request = await JoinRequest.get_or_none(id=wanted, team_id=member.team_id).select_related("user", "team")
    if request is None:
        raise NotFound
    if request.status != JoinRequestStatus.PENDING:
        raise FormErrors({None: _("This request was already answered.")})
    now = now or datetime.now(UTC)
    if accept:
        if await TeamMember.exists(event_id=member.event_id, user_id=request.user_id):
            raise FormErrors(
                {None: _("%(name)s is already in a team of this event.", name=request.user.name)}
            )
        await _add_member(request.team, request.user, now)
    # Conditional update: two clicks of the captain answer once.
    status = JoinRequestStatus.ACCEPTED if accept else JoinRequestStatus.REFUSED
    await JoinRequest.filter(id=request.id, status=JoinRequestStatus.PENDING).update(
        status=status, decided_at=now
    )
    request.status = status
    log.info("join request %s %s by user %s", request.id, status, member.user_id)
    return request


async def _other_member(member: TeamMember, member_id: str) -> TeamMember:
    wanted = _id(member_id, "member", _("Choose a member."))
    other = await TeamMember.get_or_none(id=wanted, team_id=member.team_id).select_related("user")
    if other is None:
        raise NotFound
    if other.id == member.id:
        raise FormErrors({"member": _("Choose another member than yourself.")})
    return other


async def hand_over(*, member: TeamMember, member_id: str) -> TeamMember:
    """The captain makes another member captain (and stays a member)."""
    _require_captain(member)
    other = await _other_member(member, member_id)
    async with in_transaction():
        await TeamMember.filter(id=member.id).update(is_captain=False)
        await TeamMember.filter(id=other.id).update(is_captain=True)
    member.is_captain, other.is_captain = False, True
    log.info(
        "team %s captaincy handed from user %s to user %s", member.team_id, member.user_id, other.user_id
    )
    return other


async def remove_member(*, member: TeamMember, member_id: str) -> TeamMember:
    _require_captain(member)
    other = await _other_member(member, member_id)
    await TeamMember.filter(id=other.id).delete()
    log.info("user %s removed from team %s by user %s", other.user_id, member.team_id, member.user_id)
    return other


async def leave_team(*, member: TeamMember) -> bool:
    """Leave; the captain hands over first unless alone. Returns True when the team is deleted
    (its last member left)."""
    async with in_transaction():
        await Team.select_for_update().get(id=member.team_id)
        others = await TeamMember.filter(team_id=member.team_id).exclude(id=member.id).count()
        if others and member.is_captain:
            raise FormErrors({None: _("Hand the captaincy over to another member before you leave.")})
        if others:
            await TeamMember.filter(id=member.id).delete()
        else:
            await Team.filter(id=member.team_id).delete()
    log.info("user %s left team %s%s", member.user_id, member.team_id, "" if others else " (deleted)")
    return not others


async def regenerate_invite(*, member: TeamMember) -> Team:
    """A new link for the team: every earlier link stops working."""
    _require_captain(member)
    team = await Team.get(id=member.team_id)
    team.invite_token_hash = _new_invite_secret()
    await team.save(update_fields=["invite_token_hash"])
    log.info("team %s invitation link regenerated by user %s", team.id, member.user_id)
    return team


async def invite_by_email(
    *, member: TeamMember, email: str, secret_key: str, base_url: str, default_language: str
) -> str:
    """Mail the team's join link to someone (any member may), in the language of their account if
    they have one, else the instance's default. Returns the address.

    RateLimited after many invitations by the member, or to the address (`throttle.invitation`)."""
    email = email.strip().lower()
    if not email or len(email) > 254 or not EMAIL_RE.match(email):
        raise FormErrors({"email": _("Enter an email address like name@example.org.")})
    await throttle.invitation(inviter_id=member.user_id, email=email)
    team = await Team.get(id=member.team_id).select_related("event")
    inviter = await User.get(id=member.user_id)
    link = invite_link(team, secret_key=secret_key, base_url=base_url)

    def compose() -> tuple[str, str]:
        return _("%(name)s invites you to the team %(team)s", name=inviter.name, team=team.name), _(
            "Hello,\n\n%(name)s invites you to join the team “%(team)s” in %(event)s.\n\n"
            "To join, open this link, sign in or create an account, and register for the event "
            "if you have not yet:\n\n%(link)s\n\nIf you did not expect it, ignore this message.\n",
            name=inviter.name,
            team=team.name,
            event=team.event.title,
            link=link,
        )

    await mail_address(email, compose, default_language=default_language)
    log.info("team %s invitation mailed by user %s", team.id, member.user_id)
    return email


# --- challenges ------------------------------------------------------------------------------------


async def team_challenges(team: Team) -> list[Challenge]:
    links = (
        await TeamChallenge.filter(team_id=team.id)
        .select_related("challenge")
        .order_by("challenge__position")
    )
    return [link.challenge for link in links]


async def choose_challenges(*, member: TeamMember, event: Event, challenge_ids: list[str]) -> list[Challenge]:
    """The captain sets the team's challenges: published ones of this event, at most
    `event.challenges_per_team`, each below its `max_teams` (checked under a row lock)."""
    _require_captain(member)
    wanted: set[int] = set()
    for value in challenge_ids:
        wanted.add(_id(value, "challenges", _("Choose challenges of this event.")))
    limit = max(event.challenges_per_team, 1)
    if len(wanted) > limit:
        too_many = ngettext(
            "A team picks at most %(num)s challenge in this event.",
            "A team picks at most %(num)s challenges in this event.",
            limit,
        )
        raise FormErrors({"challenges": too_many})
    chosen = await Challenge.filter(id__in=wanted, event_id=event.id, status=ChallengeStatus.PUBLISHED)
    if len(chosen) != len(wanted):
        raise FormErrors({"challenges": _("Choose challenges of this event.")})
    async with in_transaction():
        current = set(
            await TeamChallenge.filter(team_id=member.team_id).values_list("challenge_id", flat=True)
        )
        for challenge in sorted(chosen, key=lambda c: c.id):  # one lock order: no deadlock
            if challenge.id in current:
                continue
            locked = await Challenge.select_for_update().get(id=challenge.id)
            if locked.max_teams is not None:
                taken = await TeamChallenge.filter(challenge_id=challenge.id).count()
                if taken >= locked.max_teams:
                    raise FormErrors(
                        {
                            "challenges": _(
                                "The challenge “%(title)s” already has as many teams as it accepts.",
                                title=challenge.title,
                            )
                        }
                    )
            await TeamChallenge.create(team_id=member.team_id, challenge_id=challenge.id)
        await (
            TeamChallenge.filter(team_id=member.team_id)
            .exclude(challenge_id__in=list(wanted) or [0])
            .delete()
        )
    log.info("team %s picked challenges %s", member.team_id, sorted(wanted))
    return sorted(chosen, key=lambda c: (c.position, c.id))
