"""Selection rules: the one transition of the selection state, its refusals, its mail, advancing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.domain import selection as selection_rules
from events.domain.errors import FormErrors
from events.models import Entry, EntryRevision, EntryStatus, OutboxMessage, Round, Selection
from tests.entry_world import make_entry_world

pytestmark = pytest.mark.usefixtures("english")


async def _entry(world, *, status=EntryStatus.SUBMITTED, team=None, stage=None, title="Bus à l'heure"):
    return await Entry.create(
        event=world.event,
        team=team or world.team_a,
        round=stage or world.stage,
        challenge=world.challenge,
        title=title,
        summary="Predicts bus delays.",
        status=status,
        submitted_at=datetime.now(UTC) if status == EntryStatus.SUBMITTED else None,
    )


async def test_set_selection_marks_a_submitted_entry_and_keeps_the_message(db):
    world = await make_entry_world()
    entry = await _entry(world)

    await selection_rules.set_selection(
        entry=entry, event=world.event, selection="waitlisted", message="  Close call.  ", user=world.olga
    )

    fresh = await Entry.get(id=entry.id)
    assert (fresh.selection, fresh.selection_message) == (Selection.WAITLISTED, "Close call.")


async def test_set_selection_refuses_a_draft_entry(db):
    world = await make_entry_world()
    entry = await _entry(world, status=EntryStatus.DRAFT)

    with pytest.raises(FormErrors) as refused:
        await selection_rules.set_selection(
            entry=entry, event=world.event, selection="selected", user=world.olga
        )

    assert refused.value.errors == {None: "Only a submitted entry can be selected, waitlisted or rejected."}
    assert (await Entry.get(id=entry.id)).selection == Selection.PENDING
    assert await OutboxMessage.all().count() == 0


async def test_set_selection_refuses_an_unknown_state(db):
    world = await make_entry_world()
    entry = await _entry(world)

    with pytest.raises(FormErrors):
        await selection_rules.set_selection(
            entry=entry, event=world.event, selection="awarded", user=world.olga
        )

    assert (await Entry.get(id=entry.id)).selection == Selection.PENDING


async def test_set_selection_mails_every_member_in_their_language(db):
    world = await make_entry_world()
    entry = await _entry(world)

    await selection_rules.set_selection(
        entry=entry, event=world.event, selection="rejected", message="Try again next year.", user=world.olga
    )

    mails = {m.to: m for m in await OutboxMessage.all()}
    assert set(mails) == {"alice@example.org", "arthur@example.org"}
    english = mails["alice@example.org"]
    assert english.subject == "DataCity Lyon: the decision on your entry"
    assert "Your team is not selected this time." in english.body
    assert english.body.endswith("Message from the organisers:\n\nTry again next year.\n")
    assert mails["arthur@example.org"].subject == "DataCity Lyon\u00a0: la décision sur votre projet"


async def test_set_selection_without_notify_sends_nothing(db):
    world = await make_entry_world()
    entry = await _entry(world)

    await selection_rules.set_selection(
        entry=entry, event=world.event, selection="selected", notify=False, user=world.olga
    )

    assert await OutboxMessage.all().count() == 0
    assert (await Entry.get(id=entry.id)).selection == Selection.SELECTED


async def test_advance_selected_creates_a_draft_in_the_next_round_once(db):
    world = await make_entry_world()
    final = await Round.create(
        event=world.event, position=2, name="Final", deadline=world.stage.deadline + timedelta(days=30)
    )
    chosen = await _entry(world)
    await _entry(world, team=world.team_b, title="Vélos")  # pending: stays behind
    await selection_rules.set_selection(
        entry=chosen, event=world.event, selection="selected", user=world.olga
    )

    first = await selection_rules.advance_selected(event=world.event, stage=world.stage, user=world.olga)
    again = await selection_rules.advance_selected(event=world.event, stage=world.stage, user=world.olga)

    assert [e.id for e in first] == [e.id for e in again]
    drafts = await Entry.filter(round=final)
    assert len(drafts) == 1
    draft = drafts[0]
    assert (draft.team_id, draft.challenge_id, draft.status) == (world.team_a.id, world.challenge.id, "draft")
    assert (draft.title, draft.summary, draft.selection) == (
        "Bus à l'heure",
        "Predicts bus delays.",
        "pending",
    )
    assert await EntryRevision.filter(entry=draft).count() == 1


async def test_advance_refuses_the_last_round_and_unselected_entries(db):
    world = await make_entry_world()
    entry = await _entry(world)

    with pytest.raises(FormErrors):
        await selection_rules.advance_selected(event=world.event, stage=world.stage, user=world.olga)
    with pytest.raises(FormErrors):
        await selection_rules.advance_entry(entry=entry, user=world.olga)
