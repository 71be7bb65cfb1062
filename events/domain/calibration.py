"""Jurors' calibration in a jury session, for its organisers only: who scores more severely or more
leniently than the panel, who disagrees with it, how much the panel agrees, and what z-score
normalisation would change in the ranking.

It reads the same in-memory panel as `events.domain.stability` (the counted sheet totals, 0-100,
every challenge of the session together). For each juror j:

- **Offset** (leniency > 0, severity < 0): over the entries j scored that at least one other juror
  scored too, the mean of (j's total − the mean total of the other jurors for that entry).
- **z of the offset**: how far j's offset lies from the other jurors' offsets, in their standard
  deviation: (offset_j − mean of the others' offsets) / max(sd of the others' offsets, 2.5 points)
  (sample sd). Leaving j out matters: a plain z over all jurors can never exceed (n − 1)/√n, so on
  a panel of five nobody could ever be flagged. The floor of 2.5 points (`SPREAD_FLOOR`, on the
  0-100 scale) keeps a panel whose offsets all sit within a point of each other from flagging a
  juror two points off. It needs 3 jurors with an offset: with two, each offset is the other's
  opposite and nothing says which juror is off.
- **Spread**: the population standard deviation of j's totals; with their **mean**.
- **Agreement**: Spearman's rank correlation (average ranks for ties) between j's totals and the
  leave-one-out consensus (the mean of the other jurors' totals) over the same entries; at least 3
  entries, and neither side constant, else unknown.
- **Flags**: `severe` when z ≤ −2, `lenient` when z ≥ 2 (`OFFSET_Z`), `disagrees` when the
  agreement is below 0.3 (`AGREEMENT`).

For the panel: **Kendall's W** (coefficient of concordance, with the correction for ties) over the
entries that every juror of the panel scored: 1 when all rank them alike, 0 when their rankings
cancel out. Unknown with fewer than 2 jurors or 2 such entries (an assignment of k jurors per
entry often leaves none).

**What normalisation changes**: the session's ranking is computed with and without z-scores (the
trimmed mean as the session has it), and the entries whose rank differs are listed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from events.domain.stability import Panel, ranking

OFFSET_Z = 2.0
AGREEMENT = 0.3
SPREAD_FLOOR = 2.5


@dataclass(frozen=True)
class JurorCalibration:
    juror_id: int
    sheets: int
    mean: float
    spread: float
    shared: int  # entries also scored by another juror: what the offset and the agreement cover
    offset: float | None
    z: float | None
    agreement: float | None
    flags: tuple[str, ...]  # "severe", "lenient", "disagrees"


@dataclass(frozen=True)
class RankChange:
    entry_id: int
    rank: int  # in the session's ranking, with its normalisation
    other: int  # with the other normalisation


@dataclass(frozen=True)
class Calibration:
    jurors: list[JurorCalibration]  # in id order
    kendall_w: float | None
    w_entries: int  # entries scored by every juror, which W is computed on
    w_jurors: int
    zscore: bool  # whether the session normalises
    changes: dict[int, list[RankChange]]  # challenge id → entries whose rank the other option changes

    @property
    def flagged(self) -> list[JurorCalibration]:
        return [juror for juror in self.jurors if juror.flags]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def average_ranks(values: list[float]) -> list[float]:
    """1-based ranks, ascending; tied values share the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation; None when either side does not vary."""
    mx, my = _mean(xs), _mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx < 1e-12 or syy < 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (Pearson's on average ranks); None below 3 pairs or when constant."""
    if len(xs) < 3:
        return None
    return pearson(average_ranks(xs), average_ranks(ys))


def kendall_w(matrix: list[list[float]]) -> float | None:
    """Kendall's W of m raters (rows) over the same n items (columns), corrected for ties:
    W = 12 S / (m²(n³ − n) − m Σ T), S the sum of squared deviations of the items' rank sums from
    their mean, T = Σ (t³ − t) over each rater's groups of t tied items. None when m < 2, n < 2 or
    every rater ties everything."""
    m = len(matrix)
    n = len(matrix[0]) if matrix else 0
    if m < 2 or n < 2:
        return None
    sums = [0.0] * n
    ties = 0.0
    for row in matrix:
        for i, rank in enumerate(average_ranks(row)):
            sums[i] += rank
        groups: dict[float, int] = defaultdict(int)
        for value in row:
            groups[value] += 1
        ties += sum(t**3 - t for t in groups.values())
    mean = m * (n + 1) / 2
    s = sum((value - mean) ** 2 for value in sums)
    denominator = m * m * (n**3 - n) - m * ties
    if denominator <= 0:
        return None
    return max(0.0, min(1.0, 12 * s / denominator))


def offset_z(offset: float, others: list[float]) -> float | None:
    """How far an offset lies from the other jurors' offsets (see the module docstring)."""
    if len(others) < 2:
        return None
    mean = _mean(others)
    sd = math.sqrt(sum((o - mean) ** 2 for o in others) / (len(others) - 1))
    return (offset - mean) / max(sd, SPREAD_FLOOR)


def calibrate(panel: Panel) -> Calibration:
    """The calibration of a panel's jurors (see the module docstring)."""
    by_juror: dict[int, dict[int, float]] = defaultdict(dict)
    sums: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])  # entry → (sheets, sum of totals)
    for entry_id, juror_id, total in panel.sheets:
        by_juror[juror_id][entry_id] = total
        sums[entry_id][0] += 1
        sums[entry_id][1] += total
    measured = []  # (juror, sheets, mean, spread, shared, offset, agreement)
    for juror_id in sorted(by_juror):
        own = by_juror[juror_id]
        totals = list(own.values())
        mean = _mean(totals)
        spread = math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals))
        mine: list[float] = []
        consensus: list[float] = []
        for entry_id, total in sorted(own.items()):
            count, summed = sums[entry_id]
            if count > 1:  # the others' mean: the entry's sum without this juror's total
                mine.append(total)
                consensus.append((summed - total) / (count - 1))
        offset = _mean([a - b for a, b in zip(mine, consensus, strict=True)]) if mine else None
        measured.append((juror_id, len(totals), mean, spread, len(mine), offset, spearman(mine, consensus)))
    offsets = {item[0]: item[5] for item in measured if item[5] is not None}
    jurors = []
    for juror_id, sheets, mean, spread, shared, offset, agreement in measured:
        z = (
            offset_z(offset, [value for other, value in offsets.items() if other != juror_id])
            if offset is not None
            else None
        )
        flags = []
        if z is not None and z <= -OFFSET_Z:
            flags.append("severe")
        if z is not None and z >= OFFSET_Z:
            flags.append("lenient")
        if agreement is not None and agreement < AGREEMENT:
            flags.append("disagrees")
        jurors.append(
            JurorCalibration(juror_id, sheets, mean, spread, shared, offset, z, agreement, tuple(flags))
        )
    everyone = sorted(by_juror)
    common = sorted(entry for entry, (count, _sum) in sums.items() if count == len(everyone))
    w = kendall_w([[by_juror[juror][entry] for entry in common] for juror in everyone]) if common else None
    now = ranking(panel)
    other = ranking(panel, zscore=not panel.zscore)
    changes: dict[int, list[RankChange]] = {}
    for challenge_id, order in now.items():
        places = {entry: rank for rank, entry in enumerate(other[challenge_id], 1)}
        moved = [
            RankChange(entry, rank, places[entry])
            for rank, entry in enumerate(order, 1)
            if places[entry] != rank
        ]
        if moved:
            changes[challenge_id] = moved
    return Calibration(
        jurors=jurors,
        kendall_w=w,
        w_entries=len(common) if w is not None else 0,
        w_jurors=len(everyone) if w is not None else 0,
        zscore=panel.zscore,
        changes=changes,
    )
