"""Paper score sheets: what a jury keeps in case the network, a phone or the site fails on the day.

One sheet per juror of a session: the entries assigned to them (by challenge, then title), and for
each entry the grid its challenge uses (`criteria.criteria_by_challenge`: the challenge's own criteria
or the round's), each criterion with its weight, its scale and its level descriptions, and an empty
box for the score. Entries are named by their title only: a blind session hides the teams, and the
sheet may lie on a table. Read in four queries whatever the size of the jury: the seats, the
assignments, the entries and the round's criteria. Before the session opens nothing is assigned, and
each juror's sheet says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.domain.criteria import criteria_by_challenge
from events.models import Assignment, Criterion, Entry, JurySession, JurySessionJuror, User


@dataclass(frozen=True)
class PaperEntry:
    entry_id: int
    title: str
    challenge: str  # the challenge's title
    criteria: list[Criterion]


@dataclass(frozen=True)
class PaperSheet:
    juror: User
    entries: list[PaperEntry]


async def paper_sheets(session: JurySession) -> list[PaperSheet]:
    """Every juror's sheet, jurors by name."""
    seats = await JurySessionJuror.filter(session_id=session.id).select_related("user")
    pairs = await Assignment.filter(session_id=session.id).values_list("juror_id", "entry_id")
    entry_ids = sorted({entry_id for _juror, entry_id in pairs})
    entries = {
        entry_id: (title, challenge_id, challenge)
        for entry_id, title, challenge_id, challenge in await Entry.filter(id__in=entry_ids).values_list(
            "id", "title", "challenge_id", "challenge__title"
        )
    }
    grids = await criteria_by_challenge(session.round_id, sorted({item[1] for item in entries.values()}))
    by_juror: dict[int, list[PaperEntry]] = {}
    for juror_id, entry_id in pairs:
        if entry_id not in entries:
            continue
        title, challenge_id, challenge = entries[entry_id]
        by_juror.setdefault(juror_id, []).append(PaperEntry(entry_id, title, challenge, grids[challenge_id]))
    return [
        PaperSheet(
            seat.user,
            sorted(
                by_juror.get(seat.user_id, []),
                key=lambda item: (item.challenge.casefold(), item.title.casefold(), item.entry_id),
            ),
        )
        for seat in sorted(seats, key=lambda seat: (seat.user.name.casefold(), seat.user_id))
    ]
