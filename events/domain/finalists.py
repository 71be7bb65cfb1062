"""Finalists: which teams a round admits when the round before it ended in a selection.

The rule, precisely:
- A round *follows a selection* when the round just before it (by position) holds at least one
  entry that the organisers decided on: selected, waitlisted or not selected
  (`events.domain.selection.set_selection`). Deciding on one application is enough: from then on the
  organisers are visibly selecting, and the next round is for finalists only.
- Such a round admits a team for a challenge only when the team's entry to the previous round for
  that same challenge is *selected* (advancing, `events.domain.selection.advance_entry`, creates the
  next round's draft for exactly these teams). Waitlisted, not selected, still undecided, or no
  entry at all: refused, with a sentence that says why. A waitlisted team selected later is admitted
  from then on; a selection undone closes the round to the team again.
- The first round of an event, the only round of a single-round event, and a round whose previous
  round has no decision at all (a hackathon's rounds that follow each other without selection)
  admit every team, as before.

It is enforced inside the transactions that create an entry and that submit one
(`events.domain.entries`), so a form posted by hand is refused as well as the button is hidden; a
draft made before the decisions stays readable but cannot be submitted by a team left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from events.i18n import _
from events.models import Entry, Round, Selection

DECIDED = (Selection.SELECTED, Selection.WAITLISTED, Selection.REJECTED)


async def previous_round(stage: Round) -> Round | None:
    return (
        await Round.filter(event_id=stage.event_id, position__lt=stage.position)
        .order_by("-position", "-id")
        .first()
    )


async def follows_selection(stage: Round) -> Round | None:
    """The previous round if `stage` follows a selection in it, else None."""
    previous = await previous_round(stage)
    if previous is None:
        return None
    if not await Entry.exists(round_id=previous.id, selection__in=DECIDED):
        return None
    return previous


def _refusal(previous: Round, stage: Round, earlier: Entry | None) -> str | None:
    """Why a team whose entry to the previous round is `earlier` may not enter `stage` (None: it may)."""
    if earlier is None:
        return _(
            "Only the teams selected in the round %(previous)s for this challenge enter the round %(round)s.",
            previous=previous.name,
            round=stage.name,
        )
    if earlier.selection == Selection.SELECTED:
        return None
    if earlier.selection == Selection.WAITLISTED:
        return _(
            "Your team is on the waiting list of the round %(previous)s: "
            "it can enter the round %(round)s only once it is selected.",
            previous=previous.name,
            round=stage.name,
        )
    if earlier.selection == Selection.REJECTED:
        return _(
            "Your team was not selected in the round %(previous)s: "
            "only the selected teams enter the round %(round)s.",
            previous=previous.name,
            round=stage.name,
        )
    return _(
        "The organisers have not decided on your entry to the round %(previous)s yet: "
        "only the selected teams enter the round %(round)s.",
        previous=previous.name,
        round=stage.name,
    )


async def refusal(*, team_id: int, stage: Round, challenge_id: int) -> str | None:
    """Why the team may not enter (or submit to) `stage` for the challenge; None when it may."""
    previous = await follows_selection(stage)
    if previous is None:
        return None
    earlier = await Entry.get_or_none(team_id=team_id, round_id=previous.id, challenge_id=challenge_id)
    return _refusal(previous, stage, earlier)


async def refusals(
    *, team_id: int, rounds: list[Round], challenge_ids: Iterable[int], entries: list[Entry] | None = None
) -> dict[tuple[int, int], str]:
    """`refusal` for every (round id, challenge id) of a team's entries page, in two queries (one when
    the caller passes the team's `entries`, read already)."""
    ordered = sorted(rounds, key=lambda r: (r.position, r.id))
    decided = set(
        await Entry.filter(round_id__in=[r.id for r in ordered], selection__in=DECIDED).values_list(
            "round_id", flat=True
        )
    )
    if entries is None:
        entries = await Entry.filter(team_id=team_id)
    mine = {(e.round_id, e.challenge_id): e for e in entries}
    challenge_ids = list(challenge_ids)
    reasons: dict[tuple[int, int], str] = {}
    for previous, stage in pairwise(ordered):
        if previous.id not in decided:
            continue
        for challenge_id in challenge_ids:
            reason = _refusal(previous, stage, mine.get((previous.id, challenge_id)))
            if reason:
                reasons[(stage.id, challenge_id)] = reason
    return reasons
