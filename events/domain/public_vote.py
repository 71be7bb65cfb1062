"""The public's prize ("prix du public"): one vote per verified account and jury session.

Rules:
- A session takes votes only when the organisers turned `public_vote` on, while it is open and the
  server's clock is within its window [opens_at, closes_at): the vote closes with the session.
- The voter's email address must be verified; the entry must be in the session's scope (a submitted
  entry of its round and challenges, see `events.domain.scoring.scope_query`); nobody votes for a team
  they belong to.
- One vote per account and session, and a vote is final: it can be neither changed nor withdrawn
  while the vote is open (so the tally only ever grows and nobody can be talked into switching).
  The UNIQUE (session, user) constraint settles parallel votes of one account: one row, and a clear
  refusal for the others.
- Tallies are counted by the database (COUNT ... GROUP BY). The public prize goes to the entry with
  the most votes; ties are broken by the entry that reached its count first (its last vote is the
  earlier one, by vote number), then by the lower entry number.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain.errors import FormErrors
from events.domain.scoring import Window, scope_query, scoring_window
from events.domain.sql import rows
from events.i18n import _, lazy
from events.models import (
    Entry,
    Event,
    JurySession,
    JurySessionJuror,
    PublicVote,
    SessionStatus,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.vote")

TIE_BREAK = [
    lazy("more votes"),
    lazy("the entry that reached its number of votes first"),
    lazy("earlier entry (lower number)"),
]


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def vote_problem(session: JurySession, now: datetime) -> str | None:
    """Why nobody can vote in this session now, or None when the vote is open."""
    if not session.public_vote:
        return _("This jury session has no public vote.")
    window = scoring_window(session, now)
    if window == Window.NOT_STARTED:
        return _("The public vote has not opened yet.")
    if window == Window.OVER:
        return _("The public vote is closed.")
    return None


def is_open(session: JurySession, now: datetime | None = None) -> bool:
    return vote_problem(session, _now(now)) is None


async def open_votes(event: Event, now: datetime | None = None) -> list[JurySession]:
    """The event's sessions whose public vote is open now (for the event page's link)."""
    sessions = await JurySession.filter(
        event_id=event.id, public_vote=True, status=SessionStatus.OPEN
    ).order_by("id")
    return [session for session in sessions if is_open(session, now)]


async def voter_problem(*, user: User, session: JurySession) -> str | None:
    """Why this account cannot vote at all in the session (before choosing an entry), or None."""
    if user.email_verified_at is None:
        return _("Confirm your email address before you vote: we sent you a link when you signed up.")
    if await PublicVote.exists(session_id=session.id, user_id=user.id):
        return _("You have already voted in this session: a vote cannot be changed.")
    if await JurySessionJuror.exists(session_id=session.id, user_id=user.id):
        return _("You sit on this jury: the public vote is for everyone else.")
    return None


async def cast_vote(
    *, session: JurySession, user: User, entry_id: int, now: datetime | None = None
) -> PublicVote:
    """Record the user's one vote for an entry in the session's scope; FormErrors say why not."""
    refused = await voter_problem(user=user, session=session)
    if refused:
        raise FormErrors({None: refused})
    entry = await (await scope_query(session)).filter(id=entry_id, event_id=session.event_id).first()
    if entry is None:
        raise FormErrors({"entry": _("Choose an entry of this vote.")})
    if await TeamMember.exists(team_id=entry.team_id, user_id=user.id):
        raise FormErrors({"entry": _("You cannot vote for your own team.")})
    try:
        async with in_transaction() as conn:
            if conn.capabilities.dialect == "postgres":
                # Closing takes this row FOR UPDATE: it waits for votes in flight, later votes see it closed.
                await conn.execute_query("SELECT id FROM jury_session WHERE id = $1 FOR SHARE", [session.id])
            current = await JurySession.get(id=session.id)
            problem = vote_problem(current, _now(now))  # the clock read after the lock
            if problem:
                raise FormErrors({None: problem})
            vote = await PublicVote.create(session_id=session.id, user_id=user.id, entry_id=entry.id)
    except IntegrityError:
        raise FormErrors(
            {None: _("You have already voted in this session: a vote cannot be changed.")}
        ) from None
    log.info("public vote in session %s by user %s", session.id, user.id)
    return vote


async def my_vote(*, session: JurySession, user: User | None) -> PublicVote | None:
    if user is None:
        return None
    return await PublicVote.get_or_none(session_id=session.id, user_id=user.id)


@dataclass(frozen=True)
class VoteCount:
    entry_id: int
    votes: int
    last_vote: int  # the id of the entry's latest vote: a lower one reached the count first


async def tally(session: JurySession) -> list[VoteCount]:
    """Votes per entry, counted by the database, best first under the documented tie-break.

    Once the session is closed the count frozen in its results snapshot is the count: a vote row
    deleted later (an account removed) does not change published results.
    """
    frozen = (session.results_snapshot or {}).get("votes")
    if frozen is not None:
        return [VoteCount(int(entry_id), int(votes), int(last)) for entry_id, votes, last in frozen]
    counted = await rows(
        "SELECT entry_id, COUNT(*) AS votes, MAX(id) AS last_vote FROM public_vote "
        "WHERE session_id = ? GROUP BY entry_id",
        [session.id],
    )
    ordered = [VoteCount(r["entry_id"], int(r["votes"]), int(r["last_vote"])) for r in counted]
    return sorted(ordered, key=lambda c: (-c.votes, c.last_vote, c.entry_id))


async def vote_counts(session: JurySession) -> dict[int, int]:
    """Entry id → number of votes (entries without a vote are absent)."""
    return {count.entry_id: count.votes for count in await tally(session)}


async def vote_counts_for(sessions: list[JurySession]) -> dict[int, dict[int, int]]:
    """Session id → entry id → votes, for several sessions in one query."""
    found: dict[int, dict[int, int]] = {}
    ids = []
    for session in sessions:
        if not session.public_vote:
            continue
        frozen = (session.results_snapshot or {}).get("votes")
        if frozen is not None:
            found[session.id] = {int(entry_id): int(votes) for entry_id, votes, _last in frozen}
        else:
            found[session.id] = {}
            ids.append(session.id)
    if not ids:
        return found
    marks = ", ".join("?" for _ in ids)
    for row in await rows(
        f"SELECT session_id, entry_id, COUNT(*) AS votes FROM public_vote "  # noqa: S608 (placeholders only)
        f"WHERE session_id IN ({marks}) GROUP BY session_id, entry_id",
        ids,
    ):
        found[row["session_id"]][row["entry_id"]] = int(row["votes"])
    return found


async def public_winner(session: JurySession) -> int | None:
    """The entry id with the most votes (documented tie-break), or None without votes."""
    counts = await tally(session)
    return counts[0].entry_id if counts else None


async def entries_for_vote(session: JurySession) -> list[Entry]:
    """The entries one can vote for, with their team and challenge, in a stable order."""
    return (
        await (await scope_query(session))
        .select_related("team", "challenge")
        .order_by("challenge__position", "challenge_id", "title", "id")
    )
