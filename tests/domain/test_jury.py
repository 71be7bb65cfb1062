"""Jury sessions: value validation, the scoring window, assignment and conflicts, the log and undo,
parallel saves, and the session's transitions."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from events.domain import jury, sessions
from events.domain.criteria import PRESETS, apply_preset, clean_value
from events.domain.errors import FormErrors
from events.models import (
    Assignment,
    AssignmentMode,
    ConflictKind,
    ConflictOfInterest,
    Criterion,
    Score,
    ScoreLogEntry,
    ScoreSheet,
    SessionStatus,
)
from tests.jury_world import NOW, make_jury_world, score

pytestmark = pytest.mark.usefixtures("english")


TEN = Criterion(id=1, scale_min=0, scale_max=10, step=1, weight=1)
HALVES = Criterion(id=2, scale_min=1, scale_max=5, step=0.5, weight=1)


@pytest.mark.parametrize(
    "value",
    [
        "nan",
        "NaN",
        float("nan"),
        "inf",
        "-Infinity",
        float("inf"),
        "1e309",
        "seven",
        "",
        None,
        True,
        [],
        "11",
        -1,
        10.5,
        "3.5",
        "1" * 40,
    ],
)
def test_clean_value_refuses_what_is_not_a_score_of_the_scale(value):
    with pytest.raises(FormErrors) as refused:
        clean_value(TEN, value)

    assert list(refused.value.errors) == ["criterion_1"]


@pytest.mark.parametrize(
    ("criterion", "value", "expected"),
    [
        (TEN, "7", 7.0),
        (TEN, " 0 ", 0.0),
        (TEN, 10, 10.0),
        (TEN, "4,0", 4.0),
        (HALVES, "2,5", 2.5),
        (HALVES, 5, 5.0),
    ],
)
def test_clean_value_accepts_scores_on_the_grid(criterion, value, expected):
    assert clean_value(criterion, value) == expected


def test_clean_value_refuses_a_value_between_two_steps():
    with pytest.raises(FormErrors) as refused:
        clean_value(HALVES, "2.25")

    assert refused.value.errors == {"criterion_2": "Scores go by steps of 0.5."}


async def test_presets_create_weighted_criteria_with_levels(db):
    world = await make_jury_world(open_session=False)

    created = await apply_preset(stage=world.stage, preset="datacity_selection", challenge=world.challenge)

    assert [c.name for c in created] == [
        "Quality of the team",
        "Fit between problem and solution",
        "Use of the data",
        "Feasibility of the experiment",
        "Potential to scale",
    ]
    assert [c.weight for c in created] == [2.0, 3.0, 2.0, 2.0, 1.0]
    assert created[0].levels[-1] == {"value": 10, "label": "Excellent"}
    assert {len(p["criteria"]) for p in PRESETS.values()} == {5}


async def test_the_grid_is_fixed_once_a_jury_has_opened(db):
    world = await make_jury_world()

    with pytest.raises(FormErrors) as refused:
        await apply_preset(stage=world.stage, preset="hackathon_final", challenge=world.challenge)

    assert refused.value.errors == {None: "A jury of this round has opened: its grid can no longer change."}


# --- the scoring window and who may score ---------------------------------------------------------


async def test_saves_are_accepted_within_the_window_to_the_second(db):
    opens, closes = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    world = await make_jury_world(opens_at=opens, closes_at=closes)
    juror, entry, criterion = world.jurors[0], world.entries[0], world.criteria[0]

    async def save(when):
        return await jury.save_score(
            session=world.session, juror=juror, entry=entry, criterion=criterion, value=5, now=when
        )

    await save(opens)
    await save(closes - timedelta(seconds=1))
    for when, message in (
        (opens - timedelta(seconds=1), "Scoring has not started yet."),
        (closes, "Scoring is over: the session closed."),
    ):
        with pytest.raises(FormErrors) as refused:
            await save(when)
        assert refused.value.errors == {None: message}


async def test_an_unassigned_entry_is_refused(db):
    world = await make_jury_world(mode=AssignmentMode.K, k=1, teams=2, jurors=2)
    assignments = set(await Assignment.all().values_list("juror_id", "entry_id"))
    juror = world.jurors[0]
    other = next(e for e in world.entries if (juror.id, e.id) not in assignments)

    with pytest.raises(FormErrors) as refused:
        await jury.save_score(
            session=world.session, juror=juror, entry=other, criterion=world.criteria[0], value=5, now=NOW
        )

    assert refused.value.errors == {None: "This entry is not assigned to you."}
    assert await ScoreSheet.all().count() == 0


async def test_a_declared_conflict_is_refused_and_unassigned(db):
    world = await make_jury_world()
    juror, entry = world.jurors[0], world.entries[0]

    await jury.declare_conflicts(
        session=world.session, juror=juror, team_ids=[entry.team_id], reason="My cousin", now=NOW
    )

    with pytest.raises(FormErrors) as refused:
        await jury.save_score(
            session=world.session, juror=juror, entry=entry, criterion=world.criteria[0], value=5, now=NOW
        )
    assert refused.value.errors == {None: "You have a conflict of interest with this team."}
    assert not await Assignment.exists(juror_id=juror.id, entry_id=entry.id)
    conflict = await ConflictOfInterest.get(juror_id=juror.id)
    assert (conflict.kind, conflict.reason, conflict.team_id) == (
        ConflictKind.DECLARED,
        "My cousin",
        entry.team_id,
    )


async def test_a_team_member_on_the_jury_is_always_conflicted(db):
    world = await make_jury_world(open_session=False)
    member, entry = world.members[0], world.entries[0]
    await jury.add_juror(session=world.session, user=member)

    await sessions.set_session_status(session=world.session, status="open", now=NOW)

    plan = set(await Assignment.filter(juror_id=member.id).values_list("juror_id", "entry_id"))
    assert plan == {(member.id, e.id) for e in world.entries[1:]}
    conflict = await ConflictOfInterest.get(juror_id=member.id)
    assert (conflict.kind, conflict.team_id) == (ConflictKind.MEMBER, entry.team_id)
    # Even with the conflict row gone and an assignment forced, membership alone refuses the score.
    await conflict.delete()
    await Assignment.create(session=world.session, juror=member, entry=entry)
    with pytest.raises(FormErrors) as refused:
        await jury.save_score(
            session=world.session, juror=member, entry=entry, criterion=world.criteria[0], value=5, now=NOW
        )
    assert refused.value.errors == {None: "You have a conflict of interest with this team."}


async def test_scores_are_refused_once_the_session_is_closed(db):
    world = await make_jury_world()
    await sessions.set_session_status(session=world.session, status="closed", now=NOW)

    with pytest.raises(FormErrors) as refused:
        await jury.save_score(
            session=world.session,
            juror=world.jurors[0],
            entry=world.entries[0],
            criterion=world.criteria[0],
            value=5,
            now=NOW,
        )

    assert refused.value.errors == {None: "This jury session is not open for scoring."}


# --- assignment -----------------------------------------------------------------------------------


def test_k_assignment_is_balanced_deterministic_and_conflict_free():
    entries = [(entry_id, 100 + entry_id) for entry_id in range(1, 24)]  # team = 100 + entry id
    jurors = [7, 3, 11, 5, 9]
    conflicts = {(3, 101), (3, 102), (7, 101), (11, 110), (5, 115)}

    plan = jury.plan_assignments(entries=entries, jurors=jurors, conflicts=conflicts, mode="k", k=3)
    shuffled = entries[:]
    random.Random(4).shuffle(shuffled)
    again = jury.plan_assignments(
        entries=shuffled, jurors=list(reversed(jurors)), conflicts=conflicts, mode=AssignmentMode.K, k=3
    )

    assert plan == again
    per_entry = {entry_id: [j for j, e in plan if e == entry_id] for entry_id, _team in entries}
    assert {len(js) for js in per_entry.values()} == {3}
    loads = [sum(1 for j, _e in plan if j == juror) for juror in jurors]
    assert sum(loads) == 69 and max(loads) - min(loads) <= 1
    assert not {(j, 100 + e) for j, e in plan} & conflicts


def test_all_mode_assigns_every_juror_but_the_conflicted_ones():
    plan = jury.plan_assignments(
        entries=[(1, 10), (2, 20)], jurors=[2, 1], conflicts={(1, 20)}, mode="all", k=99
    )

    assert plan == [(1, 1), (2, 1), (2, 2)]


async def test_a_recusal_is_logged_and_the_entry_gets_another_juror(db):
    world = await make_jury_world(mode=AssignmentMode.K, k=1, teams=2, jurors=3)
    before = set(await Assignment.all().values_list("juror_id", "entry_id"))
    juror_id, entry_id = min(before)
    juror = next(j for j in world.jurors if j.id == juror_id)
    entry = next(e for e in world.entries if e.id == entry_id)

    conflict = await jury.recuse(
        session=world.session, juror=juror, entry=entry, reason="I mentored them", now=NOW
    )

    after = set(await Assignment.all().values_list("juror_id", "entry_id"))
    assert (conflict.kind, conflict.reason, conflict.declared_at) == (
        ConflictKind.RECUSED,
        "I mentored them",
        NOW,
    )
    assert (juror_id, entry_id) not in after
    assert len([pair for pair in after if pair[1] == entry_id]) == 1
    assert before - {(juror_id, entry_id)} <= after  # the other assignments are kept


# --- sheets, the log and undo ---------------------------------------------------------------------


async def test_the_log_records_old_and_new_and_undo_walks_back(db):
    world = await make_jury_world(grid=((0, 10, 1, 1.0), (1, 5, 1, 2.0)))
    juror, entry = world.jurors[0], world.entries[0]
    first, second = world.criteria
    common = {"session": world.session, "juror": juror, "entry": entry, "now": NOW}
    await jury.save_score(criterion=first, value="5", **common)
    await jury.save_score(criterion=first, value="8", **common)
    await jury.save_score(criterion=second, value="3", **common)
    sheet = await jury.save_comment(comment="Great use of GTFS", **common)
    sheet = await jury.submit_sheet(**common)

    stored = await ScoreSheet.get(id=sheet.id)
    # (8 - 0) / 10 weighs 1, (3 - 1) / 4 weighs 2: 100 * (0.8 + 2 * 0.5) / 3 = 60
    assert stored.total == pytest.approx(60.0)
    assert await ScoreLogEntry.filter(sheet_id=sheet.id).order_by("id").values_list(
        "field", "old_value", "new_value"
    ) == [
        ("value", None, "5.0"),
        ("value", "5.0", "8.0"),
        ("value", None, "3.0"),
        ("comment", "", "Great use of GTFS"),
        ("status", "draft", "submitted"),
    ]

    states = []
    for _step in range(6):
        await jury.undo_last_change(sheet=sheet, juror=juror, now=NOW)
        state = await jury.sheet_state(sheet)
        assert await jury.sheet_from_log(sheet) == state
        states.append((state.status, state.comment, state.values))
    assert states == [
        ("draft", "Great use of GTFS", {first.id: 8.0, second.id: 3.0}),
        ("draft", "", {first.id: 8.0, second.id: 3.0}),
        ("draft", "", {first.id: 8.0}),
        ("draft", "", {first.id: 5.0}),
        ("draft", "", {}),
        ("draft", "", {}),  # nothing left to undo
    ]
    assert await Score.filter(sheet_id=sheet.id).count() == 0
    assert (await ScoreSheet.get(id=sheet.id)).total is None


async def test_a_juror_cannot_undo_another_jurors_sheet(db):
    world = await make_jury_world()
    await score(world, world.jurors[0], world.entries[0], 4, submit=False)
    sheet = await ScoreSheet.get(juror_id=world.jurors[0].id)

    with pytest.raises(FormErrors):
        await jury.undo_last_change(sheet=sheet, juror=world.jurors[1], now=NOW)


async def test_submitting_needs_every_criterion(db):
    world = await make_jury_world(grid=((0, 10, 1, 1.0), (0, 10, 1, 1.0)))
    juror, entry = world.jurors[0], world.entries[0]
    await jury.save_score(
        session=world.session, juror=juror, entry=entry, criterion=world.criteria[0], value=4, now=NOW
    )

    with pytest.raises(FormErrors) as refused:
        await jury.submit_sheet(session=world.session, juror=juror, entry=entry, now=NOW)

    assert refused.value.errors == {None: "Score every criterion before submitting: C2."}


async def test_200_parallel_saves_leave_one_sheet_and_a_log_that_replays_to_it(db):
    world = await make_jury_world(grid=((0, 10, 1, 1.0), (0, 10, 1, 1.0), (1, 5, 1, 1.0)))
    juror, entry = world.jurors[0], world.entries[0]
    values = random.Random(200)

    results = await asyncio.gather(
        *(
            jury.save_score(
                session=world.session,
                juror=juror,
                entry=entry,
                criterion=world.criteria[index % 3],
                value=values.randint(1, 5),
                now=NOW,
            )
            for index in range(200)
        ),
        return_exceptions=True,
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    sheet = await ScoreSheet.get(juror_id=juror.id, entry_id=entry.id)
    assert await ScoreSheet.all().count() == 1
    assert await Score.filter(sheet_id=sheet.id).count() == 3
    assert await jury.sheet_from_log(sheet) == await jury.sheet_state(sheet)
    # Each change starts from the value the previous one left: no lost update.
    last: dict[int, str | None] = {}
    for criterion_id, old, new in (
        await ScoreLogEntry.filter(sheet_id=sheet.id)
        .order_by("id")
        .values_list("criterion_id", "old_value", "new_value")
    ):
        assert old == last.get(criterion_id)
        last[criterion_id] = new


# --- the session's transitions --------------------------------------------------------------------


async def test_session_moves_forward_only_and_closing_freezes_the_results(db):
    world = await make_jury_world()
    await score(world, world.jurors[0], world.entries[0], 7)

    with pytest.raises(FormErrors) as refused:
        await sessions.set_session_status(session=world.session, status="published", now=NOW)
    assert refused.value.errors == {"status": 'A session cannot go from "open" to "published".'}

    closed = await sessions.set_session_status(session=world.session, status=SessionStatus.CLOSED, now=NOW)
    assert (closed.status, closed.locked_at) == (SessionStatus.CLOSED, NOW)
    assert next((e["entry_id"], e["score"]) for e in closed.results_snapshot["entries"]) == (
        world.entries[0].id,
        70.0,
    )
    published = await sessions.set_session_status(session=world.session, status="published", now=NOW)
    assert published.published_at == NOW
    for status in ("open", "scheduled", "closed", "nonsense"):
        with pytest.raises(FormErrors):
            await sessions.set_session_status(session=world.session, status=status, now=NOW)


async def test_opening_needs_criteria_and_jurors(db):
    world = await make_jury_world(open_session=False)
    await Criterion.all().delete()

    with pytest.raises(FormErrors) as refused:
        await sessions.set_session_status(session=world.session, status="open", now=NOW)

    assert refused.value.errors == {"status": "Add the grid's criteria before opening the session."}


async def test_progress_counts_submitted_sheets_of_assigned_entries(db):
    world = await make_jury_world(teams=3)
    juror = world.jurors[0]
    await score(world, juror, world.entries[0], 3)
    await score(world, juror, world.entries[1], 3, submit=False)

    assert await jury.juror_progress(session=world.session, juror=juror) == (1, 3)


async def test_a_whole_form_saves_in_one_go_or_not_at_all(db):
    world = await make_jury_world(grid=((0, 10, 1, 1.0), (0, 5, 1, 1.0)))
    juror, entry = world.jurors[0], world.entries[0]
    first, second = world.criteria

    with pytest.raises(FormErrors) as refused:
        await jury.save_sheet(
            session=world.session,
            juror=juror,
            entry=entry,
            values={first.id: 7, second.id: 9},  # 9 is beyond the second scale
            comment="Good",
            now=NOW,
        )
    assert set(refused.value.errors) == {f"criterion_{second.id}"}
    assert not await ScoreSheet.exists(juror_id=juror.id)

    sheet = await jury.save_sheet(
        session=world.session,
        juror=juror,
        entry=entry,
        values={first.id: 7, second.id: 4},
        comment="Good",
        private_note="n",
        now=NOW,
    )
    again = await jury.save_sheet(
        session=world.session, juror=juror, entry=entry, values={first.id: 7, second.id: 4}, now=NOW
    )

    assert again.id == sheet.id
    state = await jury.sheet_state(sheet)
    assert (state.values, state.comment, state.private_note) == ({first.id: 7.0, second.id: 4.0}, "Good", "n")
    assert await jury.sheet_from_log(sheet) == state  # an unchanged save adds nothing to the log
    assert await ScoreLogEntry.filter(sheet_id=sheet.id).count() == 4
    assert (await ScoreSheet.get(id=sheet.id)).total == pytest.approx(75.0)  # (70 + 80) / 2
