"""Entry rules: deadlines to the second, revisions, validation, the one status transition, mail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from events import i18n
from events.domain import entries
from events.domain.errors import FormErrors
from events.models import (
    DeadlineReminder,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Event,
    EventStatus,
    OutboxMessage,
    Round,
)
from events.storage import StoredFile
from tests.entry_world import ENTRY_FORM, make_entry_world

DEADLINE = datetime(2026, 3, 15, 17, 0, tzinfo=UTC)


@pytest.fixture
async def world(db):
    return await make_entry_world(deadline=DEADLINE, grace_minutes=15)


async def _start(world, *, now=None, values=None, notes=None):
    return await entries.create_entry(
        event=world.event,
        team=world.team_a,
        stage=world.stage,
        challenge=world.challenge,
        user=world.alice,
        values=values or {"title": "Bus à l'heure"},
        dataset_notes=notes or {},
        now=now or DEADLINE - timedelta(days=1),
    )


async def test_create_entry_starts_a_draft_with_its_first_revision(world):
    entry = await _start(world)

    assert entry.status == EntryStatus.DRAFT
    revisions = await EntryRevision.filter(entry_id=entry.id)
    assert [(r.number, r.author_id, r.data["title"]) for r in revisions] == [
        (1, world.alice.id, "Bus à l'heure")
    ]


async def test_create_entry_twice_in_parallel_leaves_one_entry(world):
    first, second = await asyncio.gather(_start(world), _start(world))

    assert first.id == second.id
    assert await Entry.filter(team_id=world.team_a.id).count() == 1


async def test_create_entry_for_a_challenge_the_team_did_not_pick_is_refused(world):
    from events.models import Challenge, ChallengeStatus, TeamChallenge

    other = await Challenge.create(
        event=world.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED
    )
    await TeamChallenge.create(team=world.team_a, challenge=world.challenge)

    with pytest.raises(FormErrors):
        await entries.create_entry(
            event=world.event,
            team=world.team_a,
            stage=world.stage,
            challenge=other,
            user=world.alice,
            values={"title": "x"},
            dataset_notes={},
            now=DEADLINE - timedelta(days=1),
        )


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(minutes=15) - timedelta(seconds=1), True),  # one second before deadline + grace
        (timedelta(minutes=15), False),  # at deadline + grace
        (timedelta(minutes=15, seconds=1), False),
    ],
)
async def test_save_entry_is_accepted_until_the_second_before_deadline_plus_grace(world, offset, accepted):
    entry = await _start(world)
    values = {**ENTRY_FORM, "title": "Late change"}

    if accepted:
        await entries.save_entry(
            entry=entry,
            event=world.event,
            user=world.alice,
            values=values,
            dataset_notes={},
            now=DEADLINE + offset,
        )
        assert (await Entry.get(id=entry.id)).title == "Late change"
    else:
        with pytest.raises(entries.EntryClosed) as refusal:
            await entries.save_entry(
                entry=entry,
                event=world.event,
                user=world.alice,
                values=values,
                dataset_notes={},
                now=DEADLINE + offset,
            )
        # The message shows the deadline in the event's time zone (Paris, UTC+1 in March).
        assert "15 mars 2026, 18:00" in refusal.value.message
        assert (await Entry.get(id=entry.id)).title == "Bus à l'heure"
        assert await EntryRevision.filter(entry_id=entry.id).count() == 1


async def test_save_entry_before_the_round_opens_is_refused(world):
    entry = await _start(world)

    with pytest.raises(entries.EntryClosed):
        await entries.save_entry(
            entry=entry,
            event=world.event,
            user=world.alice,
            values=ENTRY_FORM,
            dataset_notes={},
            now=world.stage.opens_at - timedelta(seconds=1),
        )


async def test_deadline_moved_by_an_organiser_is_read_inside_the_transaction(world):
    entry = await _start(world)
    await Round.filter(id=world.stage.id).update(deadline=DEADLINE - timedelta(days=2))

    with pytest.raises(entries.EntryClosed):
        # `entry.round` in memory still says the old deadline: the rule reads the database.
        await entries.save_entry(
            entry=entry,
            event=world.event,
            user=world.alice,
            values=ENTRY_FORM,
            dataset_notes={},
            now=DEADLINE - timedelta(days=1),
        )


async def test_every_save_keeps_a_revision_with_a_snapshot(world):
    entry = await _start(world)
    now = DEADLINE - timedelta(hours=1)

    await entries.save_entry(
        entry=entry,
        event=world.event,
        user=world.arthur,
        values=ENTRY_FORM,
        dataset_notes={world.dataset.id: "Stop locations"},
        now=now,
    )
    await entries.save_entry(
        entry=entry,
        event=world.event,
        user=world.alice,
        values={**ENTRY_FORM, "title": "V3"},
        dataset_notes={},
        now=now,
    )

    revisions = await EntryRevision.filter(entry_id=entry.id).order_by("number")
    assert [r.number for r in revisions] == [1, 2, 3]
    assert [r.author_id for r in revisions] == [world.alice.id, world.arthur.id, world.alice.id]
    assert revisions[1].data["datasets"] == [
        {"id": world.dataset.id, "title": "Bus stops", "note": "Stop locations"}
    ]
    assert revisions[1].data["code_licence"] == "MIT"
    assert revisions[2].data["title"] == "V3"
    assert revisions[2].data["datasets"] == []
    assert (await Entry.get(id=entry.id)).version == 3


async def test_only_the_rounds_questions_are_read(world):
    entry = await _start(world)
    values = {
        **ENTRY_FORM,
        "q_not_offered": "sneaky",
        "status": "submitted",
        "team_id": "999",
        "version": "77",
    }

    await entries.save_entry(
        entry=entry,
        event=world.event,
        user=world.alice,
        values=values,
        dataset_notes={},
        now=DEADLINE - timedelta(hours=1),
    )

    saved = await Entry.get(id=entry.id)
    assert saved.answers == {
        "impact": "Fewer late buses.",
        "stage": "prototype",
        "site": "https://lyon.example.org",
        "open": True,
    }
    assert (saved.status, saved.team_id, saved.version) == (EntryStatus.DRAFT, world.team_a.id, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("q_stage", "finished"),  # not one of the choices
        ("q_site", "javascript:alert(1)"),
        ("repository_url", "javascript:alert(1)"),
        ("demo_url", "ftp://example.org/demo"),
        ("video_url", "https://"),
        ("code_licence", "WTFPL-ish"),
        ("title", ""),
        ("q_impact", "x" * 5001),
    ],
)
async def test_save_entry_refuses_invalid_fields(world, field, value):
    entry = await _start(world)

    with pytest.raises(FormErrors) as refusal:
        await entries.save_entry(
            entry=entry,
            event=world.event,
            user=world.alice,
            values={**ENTRY_FORM, field: value},
            dataset_notes={},
            now=DEADLINE - timedelta(hours=1),
        )

    assert field in refusal.value.errors


async def test_datasets_of_another_event_are_refused(world):
    other_event = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)
    from events.models import Dataset

    foreign = await Dataset.create(event=other_event, title="Foreign")
    entry = await _start(world)

    with pytest.raises(FormErrors) as refusal:
        await entries.save_entry(
            entry=entry,
            event=world.event,
            user=world.alice,
            values=ENTRY_FORM,
            dataset_notes={foreign.id: "nope"},
            now=DEADLINE - timedelta(hours=1),
        )

    assert "datasets" in refusal.value.errors
    assert await EntryDataset.filter(entry_id=entry.id).count() == 0


async def test_submission_needs_the_required_questions(world):
    entry = await _start(world)

    with pytest.raises(FormErrors) as refusal:
        await entries.set_entry_status(
            entry=entry,
            event=world.event,
            status="submitted",
            user=world.alice,
            now=DEADLINE - timedelta(hours=1),
        )

    assert "q_impact" in refusal.value.errors
    assert (await Entry.get(id=entry.id)).status == EntryStatus.DRAFT


async def test_submission_queues_a_receipt_to_every_member_in_their_language(world):
    entry = await _start(world)
    now = DEADLINE - timedelta(hours=1)
    await entries.save_entry(
        entry=entry,
        event=world.event,
        user=world.alice,
        values=ENTRY_FORM,
        dataset_notes={world.dataset.id: "Stops"},
        now=now,
    )
    i18n.set_language("en")

    await entries.set_entry_status(
        entry=entry, event=world.event, status="submitted", user=world.alice, now=now
    )

    saved = await Entry.get(id=entry.id)
    assert (saved.status, saved.submitted_at) == (EntryStatus.SUBMITTED, now)
    mails = {m.to: m for m in await OutboxMessage.all()}
    assert set(mails) == {"alice@example.org", "arthur@example.org"}
    assert mails["alice@example.org"].subject == "Entry submitted: Bus à l'heure"
    assert "- Bus stops" in mails["alice@example.org"].body
    assert mails["arthur@example.org"].subject != mails["alice@example.org"].subject  # French
    assert i18n.get_language() == "en"
    assert await EntryRevision.filter(entry_id=entry.id).count() == 3


async def test_a_submitted_entry_cannot_be_submitted_again_or_after_the_deadline(world):
    entry = await _start(world, values={"title": "T", "q_impact": "Big"})
    await entries.save_entry(
        entry=entry, event=world.event, user=world.alice, values=ENTRY_FORM, dataset_notes={}, now=DEADLINE
    )
    await entries.set_entry_status(
        entry=entry, event=world.event, status="submitted", user=world.alice, now=DEADLINE
    )

    with pytest.raises(FormErrors):
        await entries.set_entry_status(
            entry=entry, event=world.event, status="submitted", user=world.alice, now=DEADLINE
        )
    with pytest.raises(FormErrors):
        await entries.set_entry_status(
            entry=entry, event=world.event, status="draft", user=world.alice, now=DEADLINE
        )
    with pytest.raises(FormErrors):
        await entries.set_entry_status(
            entry=entry, event=world.event, status="awarded", user=world.alice, now=DEADLINE
        )


async def test_submission_after_the_deadline_is_refused(world):
    entry = await _start(world)
    await entries.save_entry(
        entry=entry, event=world.event, user=world.alice, values=ENTRY_FORM, dataset_notes={}, now=DEADLINE
    )

    with pytest.raises(entries.EntryClosed):
        await entries.set_entry_status(
            entry=entry,
            event=world.event,
            status="submitted",
            user=world.alice,
            now=DEADLINE + timedelta(minutes=15),
        )


def _stored(size: int, key: str = "a" * 32) -> StoredFile:
    return StoredFile(key=key, size=size, sha256="0" * 64, head=b"%PDF-")


async def test_team_quota_counts_every_file_of_the_team(world):
    entry = await _start(world)
    now = DEADLINE - timedelta(hours=1)
    await entries.add_entry_file(
        entry=entry,
        event=world.event,
        user=world.alice,
        stored=_stored(600, "a" * 32),
        original_name="a.pdf",
        content_type="application/pdf",
        quota_bytes=1000,
        now=now,
    )

    with pytest.raises(entries.QuotaExceeded):
        await entries.add_entry_file(
            entry=entry,
            event=world.event,
            user=world.alice,
            stored=_stored(401, "b" * 32),
            original_name="b.pdf",
            content_type="application/pdf",
            quota_bytes=1000,
            now=now,
        )
    await entries.add_entry_file(
        entry=entry,
        event=world.event,
        user=world.alice,
        stored=_stored(400, "c" * 32),
        original_name="c.pdf",
        content_type="application/pdf",
        quota_bytes=1000,
        now=now,
    )

    assert await entries.team_usage(world.team_a.id) == 1000
    assert await EntryFile.filter(entry_id=entry.id).count() == 2


async def test_parallel_uploads_beyond_the_quota_end_in_one_success(world):
    entry = await _start(world)
    now = DEADLINE - timedelta(hours=1)

    async def add(key: str):
        return await entries.add_entry_file(
            entry=entry,
            event=world.event,
            user=world.alice,
            stored=_stored(600, key),
            original_name="a.pdf",
            content_type="application/pdf",
            quota_bytes=1000,
            now=now,
        )

    results = await asyncio.gather(*(add(c * 32) for c in "abcdef"), return_exceptions=True)

    assert sum(isinstance(r, EntryFile) for r in results) == 1
    assert all(isinstance(r, entries.QuotaExceeded) for r in results if not isinstance(r, EntryFile))


async def test_files_cannot_be_added_after_the_deadline(world):
    entry = await _start(world)

    with pytest.raises(entries.EntryClosed):
        await entries.add_entry_file(
            entry=entry,
            event=world.event,
            user=world.alice,
            stored=_stored(10),
            original_name="a.pdf",
            content_type="application/pdf",
            quota_bytes=1000,
            now=DEADLINE + timedelta(minutes=15),
        )
    assert await EntryFile.filter(entry_id=entry.id).count() == 0


# --- reminders -------------------------------------------------------------------------------------


async def test_deadline_reminder_is_sent_once_to_draft_entries(world):
    draft = await _start(world)
    now = DEADLINE - timedelta(hours=23)

    first = await entries.send_deadline_reminders(now=now, base_url="http://testserver")
    second = await entries.send_deadline_reminders(now=now + timedelta(hours=1), base_url="http://testserver")

    assert (first, second) == (1, 0)
    mails = await OutboxMessage.all().order_by("to")
    assert [m.to for m in mails] == ["alice@example.org", "arthur@example.org"]
    assert f"http://testserver/events/datacity/entries/{draft.id}/edit" in mails[0].body
    assert await DeadlineReminder.filter(entry_id=draft.id).count() == 1


async def test_no_reminder_more_than_24_hours_ahead_after_the_deadline_or_for_submitted_entries(world):
    entry = await _start(world, values={"title": "T"})

    assert await entries.send_deadline_reminders(now=DEADLINE - timedelta(hours=25)) == 0
    assert await entries.send_deadline_reminders(now=DEADLINE + timedelta(seconds=1)) == 0
    await entries.save_entry(
        entry=entry,
        event=world.event,
        user=world.alice,
        values=ENTRY_FORM,
        dataset_notes={},
        now=DEADLINE - timedelta(hours=2),
    )
    await entries.set_entry_status(
        entry=entry,
        event=world.event,
        status="submitted",
        user=world.alice,
        now=DEADLINE - timedelta(hours=2),
    )
    await OutboxMessage.all().delete()

    assert await entries.send_deadline_reminders(now=DEADLINE - timedelta(hours=1)) == 0
    assert await OutboxMessage.all().count() == 0


async def test_a_deadline_moved_later_earns_a_new_reminder(world):
    await _start(world)
    await entries.send_deadline_reminders(now=DEADLINE - timedelta(hours=2))
    later = DEADLINE + timedelta(days=3)
    await Round.filter(id=world.stage.id).update(deadline=later)

    assert await entries.send_deadline_reminders(now=later - timedelta(hours=2)) == 1
    assert await entries.send_deadline_reminders(now=later - timedelta(hours=1)) == 0


async def test_parallel_reminder_runs_send_once(world):
    await _start(world)
    now = DEADLINE - timedelta(hours=3)

    counts = await asyncio.gather(*(entries.send_deadline_reminders(now=now) for _ in range(5)))

    assert sum(counts) == 1
    assert await OutboxMessage.all().count() == 2
