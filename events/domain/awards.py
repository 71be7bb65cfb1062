"""Awards of a jury session: the organisers give the challenges' prizes (and the public's prize) to
entries, helped by the ranking's suggestion; the public results show them once published.

Rules:
- Awards are given or removed only once the session is closed (its results frozen) or published.
- A challenge's award goes to an entry of that challenge in the session's results; the public prize
  (no challenge) to any entry of the session's results.
- A title has 1 to 200 characters (spaces collapsed); one title per session and challenge (the public
  prize included: the database cannot see duplicates when the challenge is empty, so the check is
  made here, inside a transaction that locks the session row on PostgreSQL).
- Default titles ("First prize", "Public prize"…) are stored as their English source text, the
  catalogue's key, whichever language the organiser typed them in: `award_title` shows them in
  the reader's language. Any other title is the organiser's own words, shown as typed.
- Suggestion, per challenge: the best-ranked scored entries in the ranking's order (its documented
  tie-break); for the public prize, the entry with the most votes (see `events.domain.public_vote`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events import i18n
from events.domain import public_vote
from events.domain.deliberation import final_rows
from events.domain.errors import FormErrors
from events.domain.published import RankedName, TeamName
from events.domain.results import session_results
from events.i18n import _, lazy
from events.models import Award, Challenge, Entry, JurySession, SessionStatus, Team
from events.settings import LANGUAGES

log = logging.getLogger("hackcity.awards")

MAX_TITLE = 200
SUGGESTED = 3  # how many of a challenge's best-ranked entries are suggested
AWARDABLE = (SessionStatus.CLOSED, SessionStatus.PUBLISHED)
# Titles offered in the form, in order, while a challenge has fewer awards than this list.
DEFAULT_TITLES = [lazy("First prize"), lazy("Second prize"), lazy("Third prize")]
PUBLIC_TITLE = lazy("Public prize")
# Every title shown in the reader's language: the ones offered, and the jury's generic prize.
TRANSLATED_TITLES = (*DEFAULT_TITLES, PUBLIC_TITLE, lazy("Jury prize"))


def _title_key(title: str) -> str | None:
    """The default title that `title` is, in any of our languages (case and spaces aside), or None."""
    folded = " ".join(title.split()).casefold()
    for key in TRANSLATED_TITLES:
        if folded in {i18n.catalogue(language).gettext(key).casefold() for language in LANGUAGES}:
            return key
    return None


def award_title(title: str) -> str:
    """An award's title in the reader's language when it is a default one, else as the organiser typed it.

    Titles stored before defaults were kept as keys ("Premier prix" typed in French) are
    recognised too, so they also follow the reader.
    """
    key = _title_key(title)
    return _(key) if key else title


def can_award(session: JurySession) -> bool:
    return session.status in AWARDABLE


def clean_title(title: str) -> str:
    """The title to store: spaces collapsed, a default title as its key (see `award_title`)."""
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise FormErrors({"title": _("Enter a title of at most %(n)s characters.", n=MAX_TITLE)})
    return _title_key(title) or title


def _duplicate() -> FormErrors:
    return FormErrors({"title": _("This prize has already been given: choose another title.")})


async def give_award(*, session: JurySession, challenge_id: int | None, entry_id: int, title: str) -> Award:
    """Give a prize to an entry of the session's results (for that challenge, or any: the public's)."""
    title = clean_title(title)
    try:
        async with in_transaction():
            current = await JurySession.select_for_update().get(id=session.id)
            if not can_award(current):
                raise FormErrors({None: _("Awards are given once the session is closed.")})
            rows = (await session_results(current))["entries"]
            eligible = {
                row["entry_id"] for row in rows if challenge_id is None or row["challenge_id"] == challenge_id
            }
            if entry_id not in eligible:
                raise FormErrors({"entry": _("Choose an entry of this session's results.")})
            same_prize = Award.filter(session_id=current.id)
            same_prize = (
                same_prize.filter(challenge_id=challenge_id)
                if challenge_id is not None
                else same_prize.filter(challenge_id__isnull=True)
            )
            if await same_prize.filter(title=title).exists():
                raise _duplicate()
            position = await same_prize.count() + 1
            award = await Award.create(
                session_id=current.id,
                challenge_id=challenge_id,
                entry_id=entry_id,
                title=title,
                position=position,
            )
    except IntegrityError:
        raise _duplicate() from None
    log.info("award %s given to entry %s in session %s", award.id, entry_id, session.id)
    return award


async def remove_award(*, session: JurySession, award_id: int) -> bool:
    """Remove one of the session's awards; False when it was not there (already removed)."""
    async with in_transaction():
        current = await JurySession.select_for_update().get(id=session.id)
        if not can_award(current):
            raise FormErrors({None: _("Awards are given once the session is closed.")})
        deleted = await Award.filter(id=award_id, session_id=current.id).delete()
    if deleted:
        log.info("award %s removed from session %s", award_id, session.id)
    return bool(deleted)


# --- the organiser's page ---------------------------------------------------------------------------


@dataclass
class RankedRow:
    rank: int
    entry: Entry
    team_name: str
    score: float | None
    votes: int = 0


@dataclass
class ChallengeAwards:
    challenge: Challenge
    ranking: list[RankedRow]  # every entry of the challenge, in the ranking's order
    suggested: list[RankedRow]  # the best-ranked scored entries
    awards: list[Award]
    next_title: str  # pre-filled in the form


@dataclass
class PublicPrize:
    tally: list[RankedRow]  # entries with votes, most first (`rank` is the place in the vote)
    suggested: RankedRow | None
    awards: list[Award]
    total_votes: int
    next_title: str


@dataclass
class AwardBoard:
    session: JurySession
    open_for_awards: bool
    frozen: bool
    challenges: list[ChallengeAwards] = field(default_factory=list)
    public: PublicPrize | None = None


def _next_title(awards: list[Award]) -> str:
    # in the organiser's language: it is what they read in the form (stored as its key)
    return _(DEFAULT_TITLES[len(awards)]) if len(awards) < len(DEFAULT_TITLES) else ""


async def award_board(session: JurySession) -> AwardBoard:
    """Per challenge: the ranking, its suggestion, the prizes text and the awards given; then the
    public prize with the tally. A constant number of queries."""
    results = await session_results(session)
    # ordered by challenge, then rank: the final ranking, once the jury has deliberated
    rows: list[dict[str, Any]] = final_rows(results)
    entries = {e.id: e for e in await Entry.filter(id__in=[r["entry_id"] for r in rows])}
    teams = dict(await Team.filter(id__in={r["team_id"] for r in rows}).values_list("id", "name"))
    challenges = {
        c.id: c
        for c in await Challenge.filter(id__in={r["challenge_id"] for r in rows}, event_id=session.event_id)
    }
    awards = await Award.filter(session_id=session.id).select_related("entry").order_by("position", "id")
    counts = await public_vote.vote_counts(session) if session.public_vote else {}
    by_challenge: dict[int, list[RankedRow]] = {}
    for row in rows:
        entry = entries.get(row["entry_id"])
        if entry is None or row["challenge_id"] not in challenges:
            continue
        by_challenge.setdefault(row["challenge_id"], []).append(
            RankedRow(
                row["rank"], entry, teams.get(row["team_id"], ""), row["score"], counts.get(entry.id, 0)
            )
        )
    board = AwardBoard(session, can_award(session), session.results_snapshot is not None)
    for challenge_id in sorted(by_challenge, key=lambda cid: (challenges[cid].position, cid)):
        ranking = by_challenge[challenge_id]
        given = [a for a in awards if a.challenge_id == challenge_id]
        board.challenges.append(
            ChallengeAwards(
                challenge=challenges[challenge_id],
                ranking=ranking,
                suggested=[r for r in ranking if r.score is not None][:SUGGESTED],
                awards=given,
                next_title=_next_title(given),
            )
        )
    if session.public_vote:
        known = {r.entry.id: r for ranking in by_challenge.values() for r in ranking}
        tally_rows = []
        for place, count in enumerate(await public_vote.tally(session), start=1):
            row = known.get(count.entry_id)
            if row is not None:
                tally_rows.append(RankedRow(place, row.entry, row.team_name, row.score, count.votes))
        given = [a for a in awards if a.challenge_id is None]
        board.public = PublicPrize(
            tally=tally_rows,
            suggested=tally_rows[0] if tally_rows else None,
            awards=given,
            total_votes=sum(counts.values()),
            next_title=_(PUBLIC_TITLE) if not given else "",
        )
    return board


# --- the public results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownAward:
    """A published award as the results show it: its entry's title and team's name, read as values."""

    id: int
    title: str
    session_id: int
    challenge_id: int | None
    position: int
    entry_id: int
    entry: RankedName


@dataclass
class PublishedAwards:
    by_challenge: dict[int, list[ShownAward]] = field(default_factory=dict)
    public: list[ShownAward] = field(default_factory=list)
    votes: dict[int, int] | None = None  # entry id → votes; None: the session had no public vote


async def published_awards(sessions: list[JurySession]) -> dict[int, PublishedAwards]:
    """Session id → its awards (with their entry and team) and vote counts; published sessions only."""
    published = [s for s in sessions if s.status == SessionStatus.PUBLISHED]
    found = {session.id: PublishedAwards() for session in published}
    if not published:
        return found
    for row in (
        await Award.filter(session_id__in=list(found))
        .order_by("position", "id")
        .values(
            "id",
            "title",
            "session_id",
            "challenge_id",
            "position",
            "entry_id",
            "entry__title",
            "entry__team_id",
            "entry__team__name",
        )
    ):
        award = ShownAward(
            row["id"],
            row["title"],
            row["session_id"],
            row["challenge_id"],
            row["position"],
            row["entry_id"],
            RankedName(
                row["entry_id"],
                row["entry__title"],
                TeamName(row["entry__team_id"], row["entry__team__name"]),
            ),
        )
        shown = found[award.session_id]
        if award.challenge_id is None:
            shown.public.append(award)
        else:
            shown.by_challenge.setdefault(award.challenge_id, []).append(award)
    for session_id, counts in (await public_vote.vote_counts_for(published)).items():
        found[session_id].votes = counts
    return found
