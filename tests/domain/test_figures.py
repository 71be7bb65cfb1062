"""The figures' geometry (events/domain/figures.py): round ticks, linear scales, where each bar,
dot, mark and column lands, and the days of the registrations figure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from events.domain import figures
from events.domain.dashboard import days_of

PLOT = figures.WIDTH - figures.LEFT - figures.VALUE_ROOM  # the length of a horizontal plot


@pytest.mark.parametrize(
    ("maximum", "integer", "ticks"),
    [
        (13, False, [0, 5, 10, 15]),
        (100, False, [0, 25, 50, 75, 100]),
        (1, True, [0, 1]),
        (3, True, [0, 1, 2, 3]),
        (0.8, False, [0, 0.2, 0.4, 0.6, 0.8]),
        (7, True, [0, 2, 4, 6, 8]),
        (10, True, [0, 5, 10]),
        (0, True, [0, 1]),
    ],
)
def test_ticks_are_round_and_reach_the_maximum(maximum, integer, ticks):
    assert figures.nice_ticks(maximum, integer=integer) == ticks


def test_nice_steps_are_one_two_two_and_a_half_or_five_times_a_power_of_ten():
    assert figures.nice_step(1000) == 250
    assert figures.nice_step(1000, integer=True) == 500
    assert figures.nice_step(9) == 2.5
    assert figures.nice_step(9, integer=True) == 5
    assert figures.nice_step(0.03) == 0.01
    assert figures.nice_step(0) == 1


def test_a_scale_maps_linearly_and_clamps():
    scale = figures.Scale(maximum=10, start=2, length=100)
    assert scale(0) == 2
    assert scale(5) == 52
    assert scale(10) == 102
    assert scale(-3) == 2 and scale(20) == 102
    assert figures.Scale(maximum=0, start=2, length=100)(5) == 2


def test_bars_are_as_long_as_their_values_on_a_shared_scale():
    figure = figures.bars([("Registrants", 40), ("Teams", 10), ("Entries", 0)])
    assert [bar.label for bar in figure.items] == ["Registrants", "Teams", "Entries"]
    assert figure.maximum == 40  # ticks 0, 10, 20, 30, 40
    assert [tick.value for tick in figure.ticks] == [0, 10, 20, 30, 40]
    first, second, third = figure.items
    assert first.width == pytest.approx(PLOT)
    assert second.width == pytest.approx(PLOT / 4)
    assert third.width == 0
    # one row each, the label above its bar, nothing overlapping
    assert second.y - first.y == figures.ROW
    assert first.label_y < first.y
    assert third.y + figures.BAR <= figure.plot_bottom < figure.axis_y < figure.height
    # the value is written after the bar, inside the figure
    assert first.text_x == pytest.approx(first.x + 6)
    assert first.text_x + 40 < figure.width


def test_references_widen_the_scale_and_are_marked_where_they_fall():
    figure = figures.bars(
        [("Clarity", 50.0), ("Impact", 80.0)], references=[75.0, None], maximum=100, integer=False
    )
    clarity, impact = figure.items
    assert figure.maximum == 100
    assert clarity.reference_x == pytest.approx(figures.LEFT + PLOT * 0.75)
    assert impact.reference_x is None and impact.reference is None
    assert clarity.text_x == pytest.approx(clarity.reference_x + 6)  # after the mark, which ends last
    assert figures.bars([("A", 2)], references=[9]).maximum == 10


def test_ranges_put_a_dot_at_the_value_and_a_line_from_low_to_high():
    figure = figures.ranges([("Entry 1", 60.0, 40.0, 80.0), ("Entry 2", 30.0, 30.0, 30.0)], maximum=100)
    first, second = figure.items
    assert first.low_x == pytest.approx(figures.LEFT + PLOT * 0.4)
    assert first.x == pytest.approx(figures.LEFT + PLOT * 0.6)
    assert first.high_x == pytest.approx(figures.LEFT + PLOT * 0.8)
    assert first.middle == first.y + figures.BAR / 2
    assert second.low_x == second.high_x == second.x


def test_columns_fill_the_width_and_label_a_few():
    items = [(f"d{index}", index % 3) for index in range(20)]
    chart = figures.columns(items)
    assert len(chart.items) == 20
    assert chart.maximum == 2
    tallest = chart.items[2]
    assert tallest.height == figures.COLUMN_HEIGHT and tallest.y == figures.COLUMN_TOP
    assert chart.items[0].height == 0 and chart.items[0].y == chart.baseline
    assert chart.items[-1].x + chart.items[-1].width <= chart.width
    labelled = [column.label for column in chart.items if column.labelled]
    assert labelled == ["d0", "d3", "d6", "d9", "d12", "d15", "d18"]  # every third: at most 8
    assert all(column.width > 0 for column in chart.items)


def test_the_score_spread_keeps_scored_entries_in_order_and_at_most_max_items():
    rows = [
        (f"Entry {index}", {"score": 90.0 - index, "low": 80.0 - index, "high": 95.0}) for index in range(40)
    ]
    rows.insert(1, ("Unscored", {"score": None, "low": None, "high": None}))
    rows.append(("Old snapshot", {"score": 50.0}))
    figure = figures.score_spread(rows)
    assert figure is not None
    assert len(figure.items) == figures.MAX_ITEMS
    assert [bar.label for bar in figure.items[:2]] == ["Entry 0", "Entry 1"]
    assert figure.maximum == 100
    assert figures.score_spread([("Unscored", {"score": None})]) is None
    old = figures.score_spread([("Old snapshot", {"score": 50.0})])
    assert old.items[0].low == old.items[0].high == 50.0


def test_registrations_are_counted_per_local_day_with_the_empty_days():
    moments = [
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),  # 2 March in Paris
        datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
    ]
    assert days_of(moments, "Europe/Paris") == [
        (date(2026, 3, 2), 2),
        (date(2026, 3, 3), 0),
        (date(2026, 3, 4), 1),
    ]
    assert days_of(moments, "UTC")[0] == (date(2026, 3, 1), 1)
    assert days_of([], "Europe/Paris") == []
