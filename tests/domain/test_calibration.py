"""Jurors' calibration on hand-made panels: a deliberately severe juror, a juror who disagrees,
Kendall's W, and what z-score normalisation would change."""

from __future__ import annotations

import pytest

from events.domain.calibration import average_ranks, calibrate, kendall_w, pearson, spearman
from events.domain.stability import Panel

CH = 1
ENTRIES = (11, 12, 13, 14, 15)
QUALITY = (80, 70, 60, 50, 40)


def panel(jurors: dict[int, tuple[float, ...]], entries=ENTRIES, **options) -> Panel:
    """{juror: totals in the order of `entries`} → a panel of one challenge."""
    return Panel(
        entries=tuple((entry, CH) for entry in entries),
        sheets=tuple(
            (entry, juror, total)
            for juror, totals in jurors.items()
            for entry, total in zip(entries, totals, strict=True)
        ),
        **options,
    )


def test_a_deliberately_severe_juror_is_flagged_and_the_others_are_not():
    # A, B and C agree within two points; D gives 25 points less to every entry.
    found = calibrate(
        panel(
            {
                1: QUALITY,
                2: tuple(q + 2 for q in QUALITY),
                3: tuple(q - 2 for q in QUALITY),
                4: tuple(q - 25 for q in QUALITY),
            }
        )
    )

    a, b, c, d = found.jurors
    # D against the mean of A, B and C: -25 on every entry. A against B, C and D: 80 - (82+78+55)/3...
    assert [round(j.offset, 3) for j in found.jurors] == [8.333, 11.0, 5.667, -25.0]
    # D: (-25 - 8.333) / sd(8.333, 11, 5.667) = -33.333 / 2.667
    assert round(d.z, 2) == -12.5
    assert d.flags == ("severe",)
    assert [j.flags for j in (a, b, c)] == [(), (), ()]
    assert all(abs(j.z) < 1 for j in (a, b, c))
    # They all rank the entries alike.
    assert [j.agreement for j in found.jurors] == [1.0, 1.0, 1.0, 1.0]
    assert (found.kendall_w, found.w_entries, found.w_jurors) == (1.0, 5, 4)
    assert (d.sheets, d.shared, d.mean, round(d.spread, 3)) == (5, 5, 35.0, 14.142)
    assert found.flagged == [d]


def test_a_lenient_juror_and_one_who_disagrees():
    found = calibrate(
        panel(
            {
                1: QUALITY,
                2: tuple(q + 1 for q in QUALITY),
                3: tuple(q - 1 for q in QUALITY),
                4: (60, 40, 70, 80, 50),  # unrelated to the others' order, same mean
                5: tuple(q + 20 for q in QUALITY),
            }
        )
    )

    flags = {j.juror_id: j.flags for j in found.jurors}
    assert flags == {1: (), 2: (), 3: (), 4: ("disagrees",), 5: ("lenient",)}
    # Ranks (3, 1, 4, 5, 2) against (5, 4, 3, 2, 1): 1 - 6 × 24 / (5 × 24)
    assert round(found.jurors[3].agreement, 3) == -0.2
    assert found.kendall_w < 1


def test_two_jurors_cannot_say_which_one_is_off():
    found = calibrate(panel({1: QUALITY, 2: tuple(q - 30 for q in QUALITY)}))

    assert [(j.offset, j.z, j.flags) for j in found.jurors] == [(30.0, None, ()), (-30.0, None, ())]


def test_kendall_w():
    assert kendall_w([[1, 2, 3, 4], [10, 20, 30, 40], [5, 6, 7, 8]]) == 1.0
    assert kendall_w([[1, 2, 3], [3, 2, 1]]) == 0.0
    assert kendall_w([[1, 1, 1], [2, 2, 2]]) is None  # every juror ties everything
    assert kendall_w([[1, 2, 3]]) is None
    # With ties: juror 2 ties the first two (ranks 1.5, 1.5, 3). Rank sums 2.5, 3.5, 6 against a
    # mean of 4: S = 6.5; the tie adds T = 2³ - 2 = 6.
    assert kendall_w([[1, 2, 3], [5, 5, 9]]) == pytest.approx(12 * 6.5 / (4 * 24 - 2 * 6))


def test_correlations():
    assert average_ranks([10, 30, 20, 30]) == [1.0, 3.5, 2.0, 3.5]
    assert spearman([1, 2, 3], [10, 40, 90]) == 1.0
    assert spearman([1, 2], [1, 2]) is None  # fewer than 3 entries
    assert pearson([1, 2, 3], [5, 5, 5]) is None


def test_entries_scored_by_some_jurors_only():
    # Every entry has two of the three jurors: no entry that all scored, so no W; offsets still.
    found = calibrate(
        Panel(
            entries=((11, CH), (12, CH), (13, CH)),
            sheets=((11, 1, 50.0), (11, 2, 60.0), (12, 2, 70.0), (12, 3, 40.0), (13, 1, 30.0), (13, 3, 20.0)),
        )
    )

    assert (found.kendall_w, found.w_entries) == (None, 0)
    assert [(j.juror_id, j.shared, j.offset) for j in found.jurors] == [
        (1, 2, 0.0),
        (2, 2, 20.0),
        (3, 2, -20.0),
    ]
    assert all(j.agreement is None for j in found.jurors)  # 2 shared entries


def test_what_zscore_normalisation_would_change():
    # The harsh and lenient jurors of tests/domain/test_results.py: raw means 50, 20, 30, 40;
    # with z-scores 42, 28, 14, 56.
    entries = (21, 22, 23, 24)
    jurors = {1: (0, 10, 0, 10), 2: (100, 30, 60, 70)}

    raw = calibrate(panel(jurors, entries=entries))
    normalised = calibrate(panel(jurors, entries=entries, zscore=True))

    assert not raw.zscore
    assert [(c.entry_id, c.rank, c.other) for c in raw.changes[CH]] == [
        (21, 1, 2),
        (24, 2, 1),
        (23, 3, 4),
        (22, 4, 3),
    ]
    assert [(c.entry_id, c.rank, c.other) for c in normalised.changes[CH]] == [
        (24, 1, 2),
        (21, 2, 1),
        (22, 3, 4),
        (23, 4, 3),
    ]
    assert calibrate(panel({1: QUALITY, 2: QUALITY})).changes == {}
