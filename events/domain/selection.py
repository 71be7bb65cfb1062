"""Selection: organisers decide on the submitted entries of a round and advance selected teams.

Rules kept here:
- `set_selection` is the only place where an entry's selection state changes (pending, selected,
  waitlisted, rejected), with the organiser's optional message. Only a submitted entry can be
  decided on; a decision can be changed (a waitlisted team selected later, a mistake undone).
- The team is told by mail, queued in the same transaction as the change, in each member's
  language and with the message. The organiser may decide without mailing yet (`notify=False`),
  for instance to prepare every decision before announcing them.
- A decision that changes is news for the event's webhooks (`events.domain.webhooks`), queued in the
  same transaction; the organiser's message to the team is not part of it.
- Advancing: a selected team gets a *draft entry in the next round for the same challenge*, its
  title and summary carried over, so the team finds it ready on its entries page. Creating the draft
  (rather than marking the team "eligible") needs no new state and is what the team sees next;
  it is idempotent and ignores the next round's submission window (the organiser decides, the
  window only binds the team's own changes).
- A batch decision (`decide_many`) is the same transition applied to each ticked entry inside one
  transaction: every entry takes the decision or none does. Entries that cannot (a draft, another
  event's) are named in the refusal before anything is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import pairwise

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from events.domain import webhooks
from events.domain.entries import snapshot
from events.domain.errors import FormErrors
from events.domain.numbers import parse_id
from events.i18n import _, ngettext
from events.mail import mail_users
from events.models import (
    Challenge,
    Entry,
    EntryRevision,
    EntryStatus,
    Event,
    Round,
    Selection,
    Team,
    TeamMember,
    User,
)

log = logging.getLogger("hackcity.selection")
MAX_MESSAGE = 2000

# --- listing --------------------------------------------------------------------------------------


@dataclass
class EntryFilters:
    round_id: int | None = None
    challenge_id: int | None = None
    status: str = ""
    selection: str = ""


def _int(value: str) -> int | None:
    return parse_id(value)


def read_filters(params: dict[str, str], rounds: list[Round], challenges: list[Challenge]) -> EntryFilters:
    """Filters from a query string; unknown values are dropped. The round defaults to the one of the
    latest round that has entries or, failing that, the first."""
    round_ids = {r.id for r in rounds}
    round_id = _int(params.get("round", ""))
    challenge_id = _int(params.get("challenge", ""))
    status = params.get("status", "")
    selection = params.get("selection", "")
    return EntryFilters(
        round_id=round_id if round_id in round_ids else None,
        challenge_id=challenge_id if challenge_id in {c.id for c in challenges} else None,
        status=status if status in set(EntryStatus) else "",
        selection=selection if selection in set(Selection) else "",
    )


def _filtered(event: Event, filters: EntryFilters, *, with_selection: bool = True):
    query = Entry.filter(event_id=event.id)
    if filters.round_id:
        query = query.filter(round_id=filters.round_id)
    if filters.challenge_id:
        query = query.filter(challenge_id=filters.challenge_id)
    if filters.status:
        query = query.filter(status=filters.status)
    if with_selection and filters.selection:
        query = query.filter(selection=filters.selection)
    return query


async def decision_counts(*, event: Event, filters: EntryFilters) -> dict[Selection, int]:
    """How many entries the other filters keep, per decision (one query): the counts above the list,
    which also say how many rows the decision filter leaves."""
    rows = (
        await _filtered(event, filters, with_selection=False)
        .annotate(n=Count("id"))
        .group_by("selection")
        .values_list("selection", "n")
    )
    counted = {Selection(value): n for value, n in rows}
    return {value: counted.get(value, 0) for value in Selection}


async def entries_for_selection(
    *, event: Event, filters: EntryFilters, offset: int = 0, limit: int | None = None
) -> list[Entry]:
    """One page of the filtered entries, with their team, round and challenge, and each team's size
    (three queries whatever the page holds)."""
    query = (
        _filtered(event, filters)
        .select_related("team", "round", "challenge")
        .order_by("round__position", "challenge__position", "team__name", "id")
        .offset(offset)
    )
    entries = await (query.limit(limit) if limit is not None else query)
    counts: dict[int, int] = {}
    team_ids = {entry.team_id for entry in entries}
    if team_ids:
        for team_id in await TeamMember.filter(team_id__in=team_ids).values_list("team_id", flat=True):
            counts[team_id] = counts.get(team_id, 0) + 1
    for entry in entries:
        entry.member_count = counts.get(entry.team_id, 0)  # type: ignore[attr-defined]
    return entries


async def teams_without_entry(*, event: Event, stage: Round | None) -> list[Team]:
    """Teams of the event that have no entry in the round (or in any round, without one)."""
    query = Entry.filter(event_id=event.id)
    if stage is not None:
        query = query.filter(round_id=stage.id)
    with_entry = set(await query.values_list("team_id", flat=True))
    return [
        team
        for team in await Team.filter(event_id=event.id).order_by("name", "id")
        if team.id not in with_entry
    ]


async def next_round(stage: Round) -> Round | None:
    return (
        await Round.filter(event_id=stage.event_id, position__gt=stage.position)
        .order_by("position", "id")
        .first()
    )


# --- the transition -------------------------------------------------------------------------------


async def set_selection(
    *,
    entry: Entry,
    event: Event,
    selection: Selection | str,
    user: User,
    message: str = "",
    notify: bool = True,
    base_url: str | None = None,
) -> Entry:
    """Decide on a submitted entry; the team is mailed the decision and the message if `notify`,
    with the link to its entries built from `base_url` when given (the app's routes give it)."""
    try:
        wanted = Selection(selection)
    except ValueError:
        raise FormErrors({"selection": _("Choose selected, waitlisted, not selected or pending.")}) from None
    message = message.replace("\r\n", "\n").strip()
    if len(message) > MAX_MESSAGE:
        raise FormErrors({"message": _("Use at most %(n)s characters.", n=MAX_MESSAGE)})
    if entry.event_id != event.id:
        raise FormErrors({None: _("This entry is not one of this event's.")})
    async with in_transaction():
        fresh = await Entry.get(id=entry.id)
        if fresh.status != EntryStatus.SUBMITTED:
            raise FormErrors({None: _("Only a submitted entry can be selected, waitlisted or rejected.")})
        await Entry.filter(id=entry.id).update(selection=wanted, selection_message=message)
        entry.selection, entry.selection_message = wanted, message
        if notify and wanted != Selection.PENDING:
            await _mail_decision(entry, event, base_url)
        if fresh.selection != wanted:
            await webhooks.emit(
                event,
                webhooks.SELECTION_DECIDED,
                lambda: webhooks.entry_data(entry, event, base_url or ""),
                base_url=base_url or "",
            )
    log.info("entry %s marked %s by user %s", entry.id, wanted, user.id)
    return entry


@dataclass
class Decided:
    """What a batch decision did: the entries it changed, and how many already had that decision."""

    decision: Selection
    changed: list[Entry]
    unchanged: int


async def decide_many(
    *,
    event: Event,
    entry_ids: list[int],
    selection: Selection | str,
    user: User,
    message: str = "",
    notify: bool = True,
    base_url: str | None = None,
) -> Decided:
    """The same decision on several entries, all or nothing: every change goes through
    `set_selection` inside one transaction. An entry that cannot take the decision (not submitted,
    not this event's) refuses the whole batch, naming the entries, before anything is written; one
    that already has the decision is left alone (no second mail)."""
    try:
        wanted = Selection(selection)
    except ValueError:
        raise FormErrors({"selection": _("Choose selected, waitlisted, not selected or pending.")}) from None
    entry_ids = list(dict.fromkeys(entry_ids))  # a name sent twice is one entry
    if not entry_ids:
        raise FormErrors({"entries": _("Tick at least one entry to decide on.")})
    async with in_transaction():
        found = {entry.id: entry for entry in await Entry.filter(id__in=entry_ids, event_id=event.id)}
        missing = [entry_id for entry_id in entry_ids if entry_id not in found]
        if missing:
            raise FormErrors(
                {"entries": _("Some of the ticked entries are not this event's: nothing was changed.")}
            )
        refused = [found[i] for i in entry_ids if found[i].status != EntryStatus.SUBMITTED]
        if refused:
            titles = ", ".join(_("“%(title)s”", title=entry.title) for entry in refused)
            raise FormErrors(
                {
                    "entries": ngettext(
                        "Nothing was changed: %(titles)s is not submitted, and only a submitted entry "
                        "can be decided on.",
                        "Nothing was changed: %(titles)s are not submitted, and only a submitted entry "
                        "can be decided on.",
                        len(refused),
                        titles=titles,
                    )
                }
            )
        changed = []
        for entry_id in entry_ids:
            entry = found[entry_id]
            if entry.selection == wanted:
                continue
            changed.append(
                await set_selection(
                    entry=entry,
                    event=event,
                    selection=wanted,
                    user=user,
                    message=message,
                    notify=notify,
                    base_url=base_url,
                )
            )
    return Decided(wanted, changed, len(entry_ids) - len(changed))


async def _mail_decision(entry: Entry, event: Event, base_url: str | None) -> None:
    stage = await Round.get(id=entry.round_id)
    challenge = await Challenge.get(id=entry.challenge_id)
    following = await next_round(stage)
    members = await User.filter(memberships__team_id=entry.team_id).order_by("memberships__id")

    def compose(member: User) -> tuple[str, str]:
        if entry.selection == Selection.SELECTED:
            decision = _("Your team is selected.")
            if following is not None:
                decision += " " + _(
                    "You can now prepare your entry to the round %(round)s.", round=following.name
                )
        elif entry.selection == Selection.WAITLISTED:
            decision = _("Your team is on the waiting list: we will write again if a place opens.")
        else:
            decision = _("Your team is not selected this time. Thank you for taking part.")
        body = _(
            "Hello,\n\nThe organisers of %(event)s decided on your entry “%(title)s” "
            "(round %(round)s, challenge %(challenge)s).\n\n%(decision)s\n",
            event=event.title,
            title=entry.title,
            round=stage.name,
            challenge=challenge.title,
            decision=decision,
        )
        if entry.selection_message:
            body += "\n" + _("Message from the organisers:") + "\n\n" + entry.selection_message + "\n"
        if base_url is not None:
            body += (
                "\n" + _("Your team's entries:") + "\n\n" + f"{base_url}/events/{event.slug}/team/entries\n"
            )
        return _("%(event)s: the decision on your entry", event=event.title), body

    await mail_users(members, compose)


# --- advancing ------------------------------------------------------------------------------------


@dataclass
class AdvanceStep:
    """A round that has a next one, with how many of its teams are selected and how many of those
    already have their draft in the next round."""

    stage: Round
    following: Round
    selected: int
    advanced: int


async def advance_steps(*, event: Event) -> list[AdvanceStep]:
    """Every round followed by another, in order, for the advance forms (three queries)."""
    rounds = await Round.filter(event_id=event.id).order_by("position", "id")
    selected = await Entry.filter(
        event_id=event.id, selection=Selection.SELECTED, status=EntryStatus.SUBMITTED
    ).values_list("round_id", "team_id", "challenge_id")
    existing = set(await Entry.filter(event_id=event.id).values_list("round_id", "team_id", "challenge_id"))
    steps = []
    for stage, following in pairwise(rounds):  # positions are unique per event: as `next_round`
        chosen = [
            (team_id, challenge_id) for round_id, team_id, challenge_id in selected if round_id == stage.id
        ]
        advanced = sum((following.id, team_id, challenge_id) in existing for team_id, challenge_id in chosen)
        steps.append(AdvanceStep(stage, following, len(chosen), advanced))
    return steps


async def advance_entry(*, entry: Entry, user: User) -> Entry:
    """The selected entry's team gets its draft in the next round, same challenge (idempotent)."""
    if entry.selection != Selection.SELECTED or entry.status != EntryStatus.SUBMITTED:
        raise FormErrors({None: _("Only a selected entry moves on to the next round.")})
    stage = await Round.get(id=entry.round_id)
    following = await next_round(stage)
    if following is None:
        raise FormErrors({None: _("This is the event's last round: there is no next round to move on to.")})
    existing = await Entry.get_or_none(
        team_id=entry.team_id, round_id=following.id, challenge_id=entry.challenge_id
    )
    if existing is not None:
        return existing
    try:
        async with in_transaction():
            draft = await Entry.create(
                event_id=entry.event_id,
                team_id=entry.team_id,
                round=following,
                challenge_id=entry.challenge_id,
                title=entry.title,
                summary=entry.summary,
                version=1,
            )
            await EntryRevision.create(entry_id=draft.id, number=1, data=await snapshot(draft), author=user)
    except IntegrityError:  # a parallel request (or the team itself) created it first
        return await Entry.get(team_id=entry.team_id, round_id=following.id, challenge_id=entry.challenge_id)
    log.info(
        "entry %s advanced to round %s as entry %s by user %s", entry.id, following.id, draft.id, user.id
    )
    return draft


async def advance_selected(*, event: Event, stage: Round, user: User) -> list[Entry]:
    """Advance every selected entry of a round; returns the next round's entries (new or existing)."""
    if stage.event_id != event.id:
        raise FormErrors({None: _("Choose a round of this event.")})
    if await next_round(stage) is None:
        raise FormErrors({None: _("This is the event's last round: there is no next round to move on to.")})
    selected = await Entry.filter(
        round_id=stage.id, selection=Selection.SELECTED, status=EntryStatus.SUBMITTED
    )
    return [await advance_entry(entry=entry, user=user) for entry in selected]
