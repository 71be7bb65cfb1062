"""Results: raw means, z-score normalisation and trimmed means on hand-computed examples, the
tie-break, the explanation data, and the recount from the score log."""

from __future__ import annotations

import random

import pytest

from events.domain import jury, sessions
from events.domain.results import (
    compute_results,
    explain_entry,
    juror_label,
    rank,
    ranking,
    recount_from_log,
)
from events.models import Assignment, AssignmentMode, ScoreSheet, SheetStatus
from tests.jury_world import NOW, make_jury_world, score

pytestmark = pytest.mark.usefixtures("english")


def figures(results: dict) -> list[tuple]:
    return [
        (r["entry_id"], r["rank"], r["sheets"], r["raw_mean"], r["score"], r["difference"])
        for r in results["entries"]
    ]


async def test_zscore_normalisation_corrects_a_harsh_and_a_lenient_juror(db):
    # One criterion on 0-10, so a sheet total is 10 x the value.
    world = await make_jury_world(teams=4, jurors=2, normalisation="zscore")
    harsh, lenient = world.jurors
    e1, e2, e3, e4 = world.entries
    for entry, value in zip(world.entries, (0, 1, 0, 1), strict=True):
        await score(world, harsh, entry, value)  # totals 0, 10, 0, 10: mean 5, deviation 5
    for entry, value in zip(world.entries, (10, 3, 6, 7), strict=True):
        await score(world, lenient, entry, value)  # totals 100, 30, 60, 70: mean 65, deviation 25
    # All eight totals: mean M = 280 / 8 = 35; variance = 9800 / 8 = 1225, so S = 35.
    # Harsh: 35 + 35 (t - 5) / 5 = 7t      -> 0, 70, 0, 70
    # Lenient: 35 + 35 (t - 65) / 25       -> 84, -14, 28, 42
    # Means: e1 42, e2 28, e3 14, e4 56 (raw: 50, 20, 30, 40)

    results = await compute_results(session=world.session, now=NOW)

    assert figures(results) == [
        (e4.id, 1, 2, 40.0, 56.0, 16.0),
        (e1.id, 2, 2, 50.0, 42.0, -8.0),
        (e2.id, 3, 2, 20.0, 28.0, 8.0),
        (e3.id, 4, 2, 30.0, 14.0, -16.0),
    ]
    first = results["entries"][1]
    assert first["criteria"] == {str(world.criteria[0].id): 5.0}
    assert "jurors" not in first  # each juror's total: one entry at a time, in `explain_entry`
    assert results["juror_labels"] == {str(harsh.id): "A", str(lenient.id): "B"}
    assert results["coefficients"] == {str(harsh.id): [7.0, 0.0], str(lenient.id): [1.4, -56.0]}
    explanation = await explain_entry(
        session=world.session, entry_id=e1.id, challenge_id=world.challenge.id, viewer_id=lenient.id
    )
    assert [(j.label, j.total, j.normalised, j.change, j.is_viewer) for j in explanation.jurors] == [
        ("A", 0.0, 0.0, 0.0, False),
        ("B", 100.0, 84.0, -16.0, True),
    ]
    assert [(line.criterion.id, line.average, line.values) for line in explanation.criteria] == [
        (world.criteria[0].id, 5.0, 2)
    ]
    assert (explanation.row["score"], explanation.frozen) == (42.0, False)


async def test_without_normalisation_the_score_is_the_raw_mean_of_weighted_totals(db):
    world = await make_jury_world(teams=1, jurors=2, grid=((0, 10, 1, 1.0), (1, 5, 1, 3.0)))
    first, second = world.jurors
    await score(world, first, world.entries[0], 10, 1)  # 100 (1 + 3 * 0) / 4 = 25
    await score(world, second, world.entries[0], 5, 4)  # 100 (0.5 + 3 * 0.75) / 4 = 68.75

    results = await compute_results(session=world.session, now=NOW)

    assert figures(results) == [(world.entries[0].id, 1, 2, 46.875, 46.875, 0.0)]
    assert results["entries"][0]["criteria"] == {
        str(world.criteria[0].id): 7.5,
        str(world.criteria[1].id): 2.5,
    }


async def test_trimmed_mean_drops_the_highest_and_lowest_totals_from_three_jurors(db):
    world = await make_jury_world(teams=2, jurors=4, trimmed=True)
    wide, narrow = world.entries
    for juror, value in zip(world.jurors, (10, 6, 5, 3), strict=True):
        await score(
            world, juror, wide, value
        )  # raw (100 + 60 + 50 + 30) / 4 = 60, trimmed (60 + 50) / 2 = 55
    for juror, value in zip(world.jurors[:2], (9, 2), strict=True):
        await score(world, juror, narrow, value)  # two jurors: no trimming, (90 + 20) / 2 = 55

    results = await compute_results(session=world.session, now=NOW)

    assert figures(results) == [(wide.id, 1, 4, 60.0, 55.0, -5.0), (narrow.id, 2, 2, 55.0, 55.0, 0.0)]
    assert [(r["trimmed"], r["tie_broken"]) for r in results["entries"]] == [(True, False), (False, True)]


async def test_ties_go_to_more_sheets_then_to_the_earlier_entry_and_unscored_entries_come_last(db):
    world = await make_jury_world(teams=4, jurors=2)
    e1, e2, e3, e4 = world.entries
    a, b = world.jurors
    await score(world, a, e1, 6)  # 60 from one sheet
    await score(world, a, e2, 6)
    await score(world, b, e2, 6)  # 60 from two sheets
    await score(world, a, e3, 6)  # 60 from one sheet, later entry than e1
    await score(world, b, e4, 9, submit=False)  # a draft does not count

    results = await compute_results(session=world.session, now=NOW)

    assert [(r["entry_id"], r["rank"], r["sheets"], r["score"]) for r in results["entries"]] == [
        (e2.id, 1, 2, 60.0),
        (e1.id, 2, 1, 60.0),
        (e3.id, 3, 1, 60.0),
        (e4.id, 4, 0, None),
    ]


def test_ties_on_score_go_to_the_higher_raw_mean_and_ranks_restart_per_challenge():
    rows = [
        {"entry_id": 1, "challenge_id": 2, "score": 50.0, "raw_mean": 40.0, "sheets": 3},
        {"entry_id": 2, "challenge_id": 2, "score": 50.0, "raw_mean": 45.0, "sheets": 3},
        {"entry_id": 3, "challenge_id": 1, "score": 10.0, "raw_mean": 10.0, "sheets": 1},
    ]

    ordered = rank(rows)

    assert [(r["challenge_id"], r["entry_id"], r["rank"], r["tie_broken"]) for r in ordered] == [
        (1, 3, 1, False),
        (2, 2, 1, False),
        (2, 1, 2, True),
    ]


def test_juror_labels_go_on_after_z():
    assert [juror_label(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["A", "B", "Z", "AA", "AB", "ZZ", "AAA"]


@pytest.mark.parametrize(("normalisation", "trimmed"), [("none", False), ("zscore", True)])
async def test_recount_from_the_log_equals_the_frozen_results(db, normalisation, trimmed):
    world = await make_jury_world(
        teams=5,
        jurors=4,
        grid=((0, 10, 1, 2.0), (1, 5, 0.5, 1.0), (0, 20, 2, 1.5)),
        mode=AssignmentMode.K,
        k=3,
        normalisation=normalisation,
        trimmed=trimmed,
    )
    pick = random.Random(5)
    assigned = await jury.compute_assignments(session=world.session, now=NOW)
    jurors = {j.id: j for j in world.jurors}
    entries = {e.id: e for e in world.entries}
    for juror_id, entry_id in assigned:
        juror, entry = jurors[juror_id], entries[entry_id]
        await score(
            world, juror, entry, pick.randint(0, 10), 1 + pick.randint(0, 8) / 2, 2 * pick.randint(0, 10)
        )
        await jury.save_score(
            session=world.session,
            juror=juror,
            entry=entry,
            criterion=world.criteria[0],
            value=pick.randint(0, 10),
            now=NOW,
        )
        if pick.random() < 0.3:
            sheet = await ScoreSheet.get(juror_id=juror_id, entry_id=entry_id)
            await jury.undo_last_change(sheet=sheet, juror=juror, now=NOW)
    # A submitted sheet of a juror who then recuses no longer counts, in both computations.
    juror_id, entry_id = assigned[0]
    await jury.recuse(session=world.session, juror=jurors[juror_id], entry=entries[entry_id], now=NOW)

    closed = await sessions.set_session_status(session=world.session, status="closed", now=NOW)

    frozen = closed.results_snapshot["entries"]
    assert ranking(await recount_from_log(world.session)) == ranking(frozen)
    assert ranking((await compute_results(session=world.session))["entries"]) == ranking(frozen)
    still_assigned = set(await Assignment.all().values_list("juror_id", "entry_id"))
    submitted = await ScoreSheet.filter(status=SheetStatus.SUBMITTED).values_list("juror_id", "entry_id")
    assert (juror_id, entry_id) not in still_assigned
    assert sum(r["sheets"] for r in frozen) == len([pair for pair in submitted if pair in still_assigned])
