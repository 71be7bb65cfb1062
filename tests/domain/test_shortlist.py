"""The shortlist of a closed jury session feeds the selection: the top N of each challenge selected
through the selection's own transition (its rules and mails), and the jury's figures for the desk."""

from __future__ import annotations

import dataclasses

import pytest

from events.domain import jury, sessions, shortlist
from events.domain.errors import FormErrors
from events.models import (
    Challenge,
    ChallengeStatus,
    Entry,
    EntryStatus,
    EventRole,
    OutboxMessage,
    Role,
    Selection,
    User,
)
from tests.jury_world import add_team_with_entry, make_jury_world, score
from tests.querycount import count_queries


@pytest.fixture
async def world(db):
    """Two challenges: "Mobility" with entries 0-2, "Energy" with entries 3-4; entry 5 (Energy) has
    no counted sheet. Scores (both jurors agree): 6, 3, 9 | 4, 8 | none."""
    built = await make_jury_world(teams=3, opens_at=None, closes_at=None, open_session=False)
    energy = await Challenge.create(
        event=built.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED
    )
    for index in range(3, 6):
        _team, _member, entry = await add_team_with_entry(built.event, built.stage, energy, index)
        built.entries.append(entry)
    organiser = await User.create(email="orga@example.org", name="Orga", password_hash="!")
    await EventRole.create(event=built.event, user=organiser, role=Role.ORGANISER)
    built.organiser = organiser  # type: ignore[attr-defined]
    await sessions.set_session_status(session=built.session, status="open")
    for juror in built.jurors:
        for entry, value in zip(built.entries[:5], (6, 3, 9, 4, 8), strict=True):
            await score(built, juror, entry, value)
    await sessions.set_session_status(session=built.session, status="closed")
    return built


async def _selections(world) -> list[str]:
    by_id = dict(await Entry.filter(event_id=world.event.id).values_list("id", "selection"))
    return [str(by_id[entry.id]) for entry in world.entries]


async def test_top_n_of_each_challenge_is_selected_and_mailed(world):
    result = await shortlist.shortlist(session=world.session, event=world.event, top=1, user=world.organiser)

    assert await _selections(world) == ["pending", "pending", "selected", "pending", "selected", "pending"]
    assert sorted(result.selected) == sorted([world.entries[2].id, world.entries[4].id])
    assert (result.rejected, result.unchanged, result.skipped) == ([], 0, 0)
    mailed = await OutboxMessage.all().values_list("to", flat=True)
    assert sorted(mailed) == ["member2@example.org", "member4@example.org"]


async def test_others_are_marked_not_selected_when_asked_and_unscored_entries_never_shortlisted(world):
    result = await shortlist.shortlist(
        session=world.session, event=world.event, top="3", user=world.organiser, reject_others=True
    )

    # Energy has two scored entries: both selected; entry 5 has no score and is not selected.
    assert await _selections(world) == [
        "selected",
        "selected",
        "selected",
        "selected",
        "selected",
        "rejected",
    ]
    assert result.rejected == [world.entries[5].id]


async def test_running_it_again_changes_and_mails_nothing(world):
    await shortlist.shortlist(
        session=world.session, event=world.event, top=2, user=world.organiser, reject_others=True
    )
    mails = await OutboxMessage.all().count()

    again = await shortlist.shortlist(
        session=world.session, event=world.event, top=2, user=world.organiser, reject_others=True
    )

    assert (again.selected, again.rejected, again.unchanged) == ([], [], 6)
    assert await OutboxMessage.all().count() == mails == 6


async def test_without_notify_no_mail_is_queued(world):
    await shortlist.shortlist(
        session=world.session, event=world.event, top=1, user=world.organiser, notify=False
    )

    assert await _selections(world) == ["pending", "pending", "selected", "pending", "selected", "pending"]
    assert await OutboxMessage.all().count() == 0


async def test_a_decision_taken_by_hand_is_overridden_only_for_the_shortlist(world):
    await Entry.filter(id=world.entries[1].id).update(selection=Selection.WAITLISTED)

    await shortlist.shortlist(session=world.session, event=world.event, top=1, user=world.organiser)

    assert (await _selections(world))[1] == "waitlisted"


async def test_others_not_selected_leaves_decisions_taken_by_hand(world):
    """Only the entries still pending are marked not selected: a waitlist or a selection made on the
    selection desk stands."""
    await Entry.filter(id=world.entries[0].id).update(selection=Selection.WAITLISTED)
    await Entry.filter(id=world.entries[3].id).update(selection=Selection.SELECTED)

    result = await shortlist.shortlist(
        session=world.session, event=world.event, top=1, user=world.organiser, reject_others=True
    )

    assert await _selections(world) == [
        "waitlisted",
        "rejected",
        "selected",
        "selected",
        "selected",
        "rejected",
    ]
    assert sorted(result.rejected) == sorted([world.entries[1].id, world.entries[5].id])
    assert result.unchanged == 2


async def test_an_entry_no_longer_submitted_is_skipped(world):
    await Entry.filter(id=world.entries[2].id).update(status=EntryStatus.DRAFT)

    result = await shortlist.shortlist(session=world.session, event=world.event, top=1, user=world.organiser)

    assert result.skipped == 1
    assert await _selections(world) == ["pending", "pending", "pending", "pending", "selected", "pending"]


async def test_published_session_can_shortlist_too(world):
    await sessions.set_session_status(session=world.session, status="published")

    await shortlist.shortlist(session=world.session, event=world.event, top=1, user=world.organiser)

    assert (await _selections(world))[2] == "selected"


async def test_refused_while_the_session_is_scheduled_or_open(db):
    built = await make_jury_world(opens_at=None, closes_at=None, open_session=False)
    organiser = await User.create(email="o@example.org", name="O", password_hash="!")
    for _step in ("scheduled", "open"):
        with pytest.raises(FormErrors) as refused:
            await shortlist.shortlist(session=built.session, event=built.event, top=1, user=organiser)
        assert None in refused.value.errors
        if built.session.status == "scheduled":
            await sessions.set_session_status(session=built.session, status="open")
    assert set(await Entry.all().values_list("selection", flat=True)) == {Selection.PENDING}


@pytest.mark.parametrize("top", [0, -1, "", "1.5", "abc", "1001", None, " "])
async def test_n_must_be_a_whole_number_from_1_to_1000(world, top):
    with pytest.raises(FormErrors) as refused:
        await shortlist.shortlist(session=world.session, event=world.event, top=top, user=world.organiser)

    assert set(refused.value.errors) == {"top"}
    assert set(await _selections(world)) == {"pending"}


async def test_another_events_session_is_refused(world):
    from events.models import Event, EventStatus

    other = await Event.create(slug="other", title="Other", status=EventStatus.PUBLISHED)

    with pytest.raises(FormErrors):
        await shortlist.shortlist(session=world.session, event=other, top=1, user=world.organiser)


def test_plan_takes_the_top_n_with_a_score_in_each_challenge():
    results = {
        "entries": [
            {"entry_id": 1, "challenge_id": 1, "rank": 1, "score": 80.0},
            {"entry_id": 2, "challenge_id": 1, "rank": 2, "score": 80.0},
            {"entry_id": 3, "challenge_id": 1, "rank": 3, "score": 10.0},
            {"entry_id": 4, "challenge_id": 2, "rank": 1, "score": 50.0},
            {"entry_id": 5, "challenge_id": 2, "rank": 2, "score": None},
        ]
    }

    assert shortlist.plan_shortlist(results, 2) == ([1, 2, 4], [3, 5])
    assert shortlist.plan_shortlist({"entries": []}, 2) == ([], [])


async def test_jury_figures_come_from_the_latest_closed_session_in_one_query(world):
    later = await sessions.create_session(stage=world.stage, name="Second look")
    await jury.add_juror(session=later, user=world.jurors[0])
    await sessions.set_session_status(session=later, status="open")
    await score(dataclasses.replace(world, session=later), world.jurors[0], world.entries[0], 10)
    await sessions.set_session_status(session=later, status="closed")

    async with count_queries() as queries:
        figures = await shortlist.jury_figures(world.event)

    assert len(queries) == 1, queries.report()
    assert (figures[world.entries[0].id].session_name, figures[world.entries[0].id].score) == (
        "Second look",
        100.0,
    )
    assert figures[world.entries[0].id].rank == 1
    assert (figures[world.entries[4].id].score, figures[world.entries[4].id].rank) == (80.0, 1)
    assert figures[world.entries[3].id].rank == 2
    assert figures[world.entries[5].id].score is None
