"""The geometry of the figures the pages draw as SVG (templates/_figures.html): scales, ticks, bars.

Pure arithmetic, no database and no text: the templates write the labels and the numbers (in the
reader's language) where these shapes say. Three kinds of figure, all horizontal so that a label of
any length reads on a phone (it sits above its bar, not beside it):

- `bars`: one bar per item from zero to its value (counts: a funnel, entries per challenge, jurors'
  progress, a dataset's reuses), with an optional `reference` mark on each (an entry's criterion
  against the challenge's average);
- `ranges`: a dot at each item's value and a line from its `low` to its `high` (an entry's score and
  the spread of its jurors' totals);
- `columns`: vertical bars along time (registrations per day), labelled every few columns.

Every figure has a viewBox `WIDTH` units wide; the page scales it to its column. Text is `FONT` units
high: at the narrowest phone the figure is about 340 px wide, so 15 units are about 13 px.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 400
FONT = 15
ROW = 46  # a row of a horizontal figure: its label, then its bar
BAR = 16  # the height of a horizontal bar
LABEL_GAP = 4  # between a label's baseline and its bar
VALUE_ROOM = 70  # kept right of the plot for the value written after a bar
AXIS = 26  # below the plot, for the ticks' labels
LEFT = 2  # the plot starts here (a stroke of the first bar is not cut)
MAX_ITEMS = 30  # rows of a figure that lists entries: the first ones (their table lists the same)
SCORE_MAX = 100.0  # sheet totals and scores are on 0-100


def nice_step(span: float, count: int = 4, integer: bool = False) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten; no 2.5 for `integer` counts) that cuts
    `span` in about `count` parts."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def nice_ticks(maximum: float, count: int = 4, integer: bool = False) -> list[float]:
    """Tick values from 0 to a round number at least `maximum`: 0, 5, 10, 15 for 13.

    `integer`: counts never get a tick between two whole numbers (0, 1, 2 rather than 0, 0.5, 1).
    """
    step = nice_step(maximum, count, integer)
    if integer:
        step = max(step, 1.0)
    top = step * max(math.ceil(maximum / step - 1e-9), 1)
    return [round(step * index, 10) for index in range(round(top / step) + 1)]


@dataclass(frozen=True)
class Scale:
    """A linear map from [0, maximum] to [start, start + length] (SVG units)."""

    maximum: float
    start: float
    length: float

    def __call__(self, value: float) -> float:
        if self.maximum <= 0:
            return self.start
        clamped = min(max(value, 0.0), self.maximum)
        return round(self.start + self.length * clamped / self.maximum, 2)


@dataclass(frozen=True)
class Tick:
    value: float
    x: float


@dataclass(frozen=True)
class Bar:
    """One item of a horizontal figure, at row `index`."""

    label: str
    value: float
    index: int
    label_y: float  # the baseline of the label, above the bar
    y: float  # the top of the bar
    x: float  # where the bar (or the dot) ends: the value's position
    width: float  # from the axis to the value
    reference: float | None = None
    reference_x: float | None = None
    low: float | None = None
    high: float | None = None
    low_x: float | None = None
    high_x: float | None = None

    @property
    def middle(self) -> float:
        """The vertical middle of the bar: where a range's line and dot sit."""
        return self.y + BAR / 2

    @property
    def text_x(self) -> float:
        """Where the value is written: after the bar, its range or its reference, whichever ends last."""
        ends = [self.x] + [end for end in (self.high_x, self.reference_x) if end is not None]
        return round(max(ends) + 6, 2)


@dataclass(frozen=True)
class Figure:
    items: list[Bar]
    ticks: list[Tick]
    width: int
    height: float
    axis_y: float  # the baseline of the ticks' labels
    plot_top: float
    plot_bottom: float
    maximum: float


def _scale(maximum: float) -> Scale:
    return Scale(maximum, LEFT, WIDTH - LEFT - VALUE_ROOM)


def _frame(count: int, maximum: float, integer: bool) -> tuple[Scale, list[Tick], float, float, float]:
    ticks = nice_ticks(maximum, integer=integer)
    scale = _scale(ticks[-1])
    plot_bottom = count * ROW + 4
    axis_y = plot_bottom + AXIS - 6
    return scale, [Tick(value, scale(value)) for value in ticks], plot_bottom, axis_y, plot_bottom + AXIS


def _row(index: int) -> tuple[float, float]:
    """The label's baseline and the bar's top of row `index`."""
    top = index * ROW
    return top + FONT, top + FONT + LABEL_GAP + 4


def bars(
    items: Sequence[tuple[str, float]],
    *,
    maximum: float | None = None,
    references: Sequence[float | None] | None = None,
    integer: bool = True,
) -> Figure:
    """Horizontal bars from zero, one per (label, value), on a scale up to `maximum` (or the largest
    value or reference); `references` marks a value to compare each bar with."""
    refs = list(references) if references is not None else [None] * len(items)
    largest = max([value for _label, value in items] + [r for r in refs if r is not None] + [0.0])
    scale, ticks, plot_bottom, axis_y, height = _frame(len(items), maximum or largest or 1.0, integer)
    shapes = []
    for index, ((label, value), reference) in enumerate(zip(items, refs, strict=True)):
        label_y, y = _row(index)
        x = scale(value)
        shapes.append(
            Bar(
                label=label,
                value=value,
                index=index,
                label_y=label_y,
                y=y,
                x=x,
                width=round(x - LEFT, 2),
                reference=reference,
                reference_x=scale(reference) if reference is not None else None,
            )
        )
    return Figure(shapes, ticks, WIDTH, height, axis_y, 0, plot_bottom, scale.maximum)


def ranges(items: Sequence[tuple[str, float, float, float]], *, maximum: float | None = None) -> Figure:
    """A dot at each (label, value, low, high)'s value, a line from low to high."""
    largest = max([max(value, high) for _label, value, _low, high in items] + [0.0])
    scale, ticks, plot_bottom, axis_y, height = _frame(len(items), maximum or largest or 1.0, False)
    shapes = []
    for index, (label, value, low, high) in enumerate(items):
        label_y, y = _row(index)
        x = scale(value)
        shapes.append(
            Bar(
                label=label,
                value=value,
                index=index,
                label_y=label_y,
                y=y,
                x=x,
                width=round(x - LEFT, 2),
                low=low,
                high=high,
                low_x=scale(low),
                high_x=scale(high),
            )
        )
    return Figure(shapes, ticks, WIDTH, height, axis_y, 0, plot_bottom, scale.maximum)


COLUMN_TOP = 8  # room above the tallest column
COLUMN_HEIGHT = 160  # the plot's height
COLUMN_LEFT = 34  # room for the ticks' labels, left of the plot


@dataclass(frozen=True)
class Column:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    labelled: bool  # whether its label is written under it (every `every`-th column)

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class Columns:
    items: list[Column]
    ticks: list[Tick]  # here `x` is the height (y) of the tick's line
    width: int
    height: float
    baseline: float  # the y of the axis
    left: float
    maximum: float


def columns(items: Sequence[tuple[str, float]], *, label_every: int | None = None) -> Columns:
    """Vertical columns along the width, one per (label, value): a label under one column in
    `label_every` (by default so that at most 8 labels are written, which fit on a phone)."""
    count = max(len(items), 1)
    values = nice_ticks(max([value for _label, value in items] + [1.0]), integer=True)
    top = values[-1]
    baseline = COLUMN_TOP + COLUMN_HEIGHT
    slot = (WIDTH - COLUMN_LEFT - 2) / count
    gap = min(slot * 0.2, 6)
    every = label_every or max(math.ceil(count / 8), 1)

    def height_of(value: float) -> float:
        return round(COLUMN_HEIGHT * min(max(value, 0.0), top) / top, 2)

    shapes = []
    for index, (label, value) in enumerate(items):
        height = height_of(value)
        shapes.append(
            Column(
                label=label,
                value=value,
                x=round(COLUMN_LEFT + index * slot + gap / 2, 2),
                y=round(baseline - height, 2),
                width=round(slot - gap, 2),
                height=height,
                labelled=index % every == 0,
            )
        )
    ticks = [Tick(value, round(baseline - height_of(value), 2)) for value in values]
    return Columns(shapes, ticks, WIDTH, baseline + AXIS, baseline, COLUMN_LEFT, top)


def score_spread(rows: Sequence[tuple[str, dict]]) -> Figure | None:
    """The results' figure of one challenge: each scored entry's score (a dot) and the spread of its
    jurors' totals (`low` to `high`, events.domain.results), in ranking order, the first `MAX_ITEMS`.
    A snapshot frozen before the spread was kept has no `low`/`high`: the line shrinks to the dot.
    None when no entry has a score."""
    items = [
        (title, row["score"], row.get("low", row["score"]), row.get("high", row["score"]))
        for title, row in rows
        if row.get("score") is not None
    ][:MAX_ITEMS]
    if not items:
        return None
    highest = max(max(score, high) for _title, score, _low, high in items)
    return ranges(items, maximum=max(SCORE_MAX, highest))


def profile(lines: Sequence) -> tuple[Figure, list]:
    """The explanation's figure: each criterion's average for the entry as a share of its scale (a
    bar), against the average of the challenge's entries (a mark), from `CriterionAverage` lines
    (events.domain.results). Criteria the entry has no value for are left out; returns the figure
    and the lines drawn, row by row."""
    drawn = [line for line in lines if line.average is not None]
    figure = bars(
        [(line.criterion.name, line.share(line.average) or 0.0) for line in drawn],
        references=[line.share(line.challenge_average) for line in drawn],
        maximum=100.0,
        integer=False,
    )
    return figure, drawn
