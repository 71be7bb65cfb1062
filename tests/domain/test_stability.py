"""How stable a ranking is: the in-memory ranking equals the session's, the bootstrap's figures for a
fixed seed (and against what the draw should give), and the leave-one-juror-out check on hand-made
panels."""

from __future__ import annotations

import random

import pytest

from events.domain import assignments, stability
from events.domain.results import compute_results
from events.domain.stability import Panel, analyse, ranking
from events.models import AssignmentMode, Challenge, ChallengeStatus
from events.templating import templates
from tests.jury_world import NOW, add_team_with_entry, make_jury_world, score

X, Y, Z = 11, 12, 13  # entry ids of the hand-made panels
A, B, C = 1, 2, 3  # juror ids
CH = 7  # one challenge


def panel(sheets: dict[int, dict[int, float]], **options) -> Panel:
    """{juror: {entry: total}} → a panel whose entries X, Y, Z are in one challenge."""
    return Panel(
        entries=((X, CH), (Y, CH), (Z, CH)),
        sheets=tuple(
            sorted(
                (entry, juror, total) for juror, totals in sheets.items() for entry, total in totals.items()
            )
        ),
        **options,
    )


@pytest.mark.parametrize(
    ("normalisation", "trimmed", "mode"),
    [
        ("none", False, AssignmentMode.ALL),
        ("zscore", True, AssignmentMode.ALL),
        ("zscore", False, AssignmentMode.K),
    ],
)
async def test_the_in_memory_ranking_is_the_sessions_ranking(db, normalisation, trimmed, mode):
    world = await make_jury_world(
        teams=6,
        jurors=5,
        grid=((0, 10, 1, 2.0), (0, 20, 1, 1.0)),
        mode=mode,
        k=3,
        normalisation=normalisation,
        trimmed=trimmed,
    )
    other = await Challenge.create(
        event=world.event, slug="energy", title="Energy", status=ChallengeStatus.PUBLISHED
    )
    for index in range(6, 10):
        world.entries.append((await add_team_with_entry(world.event, world.stage, other, index))[2])
    pick = random.Random(3)
    jurors = {juror.id: juror for juror in world.jurors}
    entries = {entry.id: entry for entry in world.entries}
    for juror_id, entry_id in await assignments.compute_assignments(session=world.session, now=NOW):
        if entry_id != world.entries[-1].id:  # one entry stays without a sheet: ranked last
            await score(world, jurors[juror_id], entries[entry_id], pick.randint(0, 10), pick.randint(0, 20))

    results = await compute_results(session=world.session, now=NOW)
    loaded = await stability.load_panel(world.session, results)

    expected: dict[int, list[int]] = {}
    for row in results["entries"]:
        expected.setdefault(row["challenge_id"], []).append(row["entry_id"])
    assert ranking(loaded) == expected
    assert list(expected) == [world.challenge.id, other.id]
    assert expected[other.id][-1] == world.entries[-1].id
    assert (loaded.zscore, loaded.trimmed) == (normalisation == "zscore", trimmed)
    assert len(loaded.sheets) == sum(row["sheets"] for row in results["entries"])
    # Counting a juror twice is counting a copy of them: the same ranking as a panel where the copy
    # is a juror of their own.
    first = loaded.jurors[0]
    copied = Panel(
        loaded.entries,
        loaded.sheets + tuple((entry, 999, total) for entry, juror, total in loaded.sheets if juror == first),
        loaded.zscore,
        loaded.trimmed,
    )
    assert ranking(loaded, [2] + [1] * (len(loaded.jurors) - 1)) == ranking(copied)


def test_the_bootstrap_gives_the_same_figures_for_a_fixed_seed_and_what_the_draw_should_give():
    # Two jurors who disagree: A puts X first, B puts Y first; together X leads (67.5 against 65).
    # Drawing two jurors with replacement: {A, A} (1/4) X first, {B, B} (1/4) Y first, {A, B} (1/2) X.
    two = panel({A: {X: 80, Y: 60, Z: 10}, B: {X: 55, Y: 70, Z: 20}})

    report = analyse(two, (), 1000, 14)

    assert (report.resamples, report.seed, report.jurors) == (1000, 14, (A, B))
    challenge = report.challenges[CH]
    assert [(e.entry_id, e.rank, e.first, e.top) for e in challenge.entries] == [
        (X, 1, 0.756, 1.0),
        (Y, 2, 0.244, 1.0),
        (Z, 3, 0.0, 1.0),
    ]
    assert challenge.k == 3
    assert abs(challenge.entries[0].first - 0.75) < 3 * (0.75 * 0.25 / 1000) ** 0.5
    # The same figures at every reading; another seed draws others.
    assert analyse.__wrapped__(two, (), 1000, 14) == report
    assert analyse(two, (), 1000, 15).challenges[CH].entries[0].first != 0.756
    # Top 1 (one prize): being in the top k is being first.
    one = analyse(two, ((CH, 1),), 1000, 14).challenges[CH]
    assert [(e.first, e.top) for e in one.entries] == [(0.756, 0.756), (0.244, 0.244), (0.0, 0.0)]


def test_one_juror_decides_the_winner_and_the_check_names_the_swap():
    # Without C, X and Y swap places: C alone puts X ahead.
    three = panel(
        {
            A: {X: 70, Y: 72, Z: 10},
            B: {X: 70, Y: 72, Z: 10},
            C: {X: 90, Y: 60, Z: 10},
        }
    )

    challenge = analyse(three, (), 200, 14).challenges[CH]

    assert [e.entry_id for e in challenge.entries] == [X, Y, Z]
    assert [(effect.juror_id, effect.before, effect.after) for effect in challenge.effects] == [
        (C, (X, Y, Z), (Y, X, Z))
    ]
    (effect,) = challenge.deciders
    assert effect.winner_changes
    assert effect.swap == (X, Y)
    assert [e.ranks_without for e in challenge.entries] == [(1, 1, 2), (2, 2, 1), (3, 3, 3)]


def test_no_single_juror_decides_a_clear_winner():
    clear = panel({A: {X: 90, Y: 50, Z: 10}, B: {X: 85, Y: 55, Z: 30}, C: {X: 80, Y: 70, Z: 20}})

    challenge = analyse(clear, (), 300, 14).challenges[CH]

    assert challenge.effects == []
    assert challenge.deciders == []
    assert [(e.entry_id, e.first) for e in challenge.entries] == [(X, 1.0), (Y, 0.0), (Z, 0.0)]


def test_a_change_that_is_not_a_swap_of_two():
    # Without A, Z (which only A scored low) jumps from third to first: three places move.
    effect = stability.JurorEffect(A, (X, Y, Z), (Z, X, Y))
    assert effect.winner_changes and effect.swap is None
    assert stability.JurorEffect(A, (X, Y, Z), (X, Z, Y)).swap == (Y, Z)
    assert not stability.JurorEffect(A, (X, Y, Z), (X, Z, Y)).winner_changes


def test_an_entry_left_without_a_sheet_in_a_resample_is_neither_first_nor_in_the_top():
    # Only B scored Z (highest of all): in the resamples without B, Z has no sheet.
    sparse = panel({A: {X: 60, Y: 50}, B: {X: 40, Y: 30, Z: 95}})

    challenge = analyse(sparse, ((CH, 1),), 1000, 14).challenges[CH]

    assert [e.entry_id for e in challenge.entries] == [Z, X, Y]
    z, x, y = challenge.entries
    assert z.first == z.top
    assert abs(z.first - 0.75) < 0.05  # B drawn at least once: 3/4
    assert round(z.first + x.first + y.first, 6) == 1.0
    # Without B, Z has no score: ranked last, and X leads.
    assert z.ranks_without == (1, 3)
    assert [(e.juror_id, e.before, e.after) for e in challenge.effects] == [(B, (Z,), (X,))]


def test_one_juror_leaves_nothing_to_resample():
    alone = panel({A: {X: 60, Y: 50}})

    report = analyse(alone, (), 1000, 14)

    assert not report.checked
    assert report.challenges[CH].effects == []
    assert [e.first for e in report.challenges[CH].entries] == [0.0, 0.0, 0.0]


def test_resamples_stay_within_the_work_budget():
    # The work is resamples × (entries + sheets), at most 1,500,000.
    def sized(sheets: int) -> Panel:
        return Panel(((X, CH),), tuple((X, juror, 1.0) for juror in range(sheets)))

    assert stability.resamples_for(panel({A: {X: 1}})) == 1000
    assert stability.resamples_for(sized(2499)) == 600
    assert stability.resamples_for(sized(7499)) == 200
    huge = sized(7500)
    assert stability.resamples_for(huge) == 0  # fewer than 200 would fit: not checked on a page
    found = stability.report(huge, {"juror_labels": {}})
    assert (found.checked, found.too_large, found.sheets, found.challenges) == (False, True, 7500, {})


def test_k_is_the_number_of_a_challenges_prizes():
    awards = [{"challenge_id": 4}, {"challenge_id": 4}, {"challenge_id": None}, {"challenge_id": 2}]
    assert stability.tops_from_awards(awards) == ((2, 1), (4, 2))
    assert stability.tops_from_awards([]) == ()


def test_each_kind_of_change_has_its_sentence(english):
    # The sentences of the results page (templates/jury_admin/_stability.html), one per kind of change.
    report = stability.Stability(1000, stability.SEED, (A, B, C), {}, {A: "A", B: "B", C: "C"})
    titles = {X: "Xylo", Y: "Yoyo", Z: "Zeta"}
    sentence = templates.env.from_string(
        '{% import "jury_admin/_stability.html" as st %}{{ st.effect_sentence(report, effect, 3, titles) }}'
    )

    def say(before: tuple[int, ...], after: tuple[int, ...]) -> str:
        effect = stability.JurorEffect(B, before, after)
        return sentence.render(report=report, effect=effect, titles=titles)

    assert say((X, Y, Z), (Y, X, Z)) == "Without juror B, “Xylo” and “Yoyo” swap places."
    assert say((X, Y, Z), (Z, X, Y)) == "Without juror B, “Zeta” would be first instead of “Xylo”."
    assert say((X, Y, Z), (X, Z)) == "Without juror B, the first 3 would be, in order: “Xylo”, “Zeta”."
    assert say((X, Y), ()) == "Without juror B, no entry of this challenge would have a score."
