"""Results of a jury session, computed by the database, and their recount from the score log.

What counts: submitted sheets whose (juror, entry) pair is still assigned (a recusal removes the
pair, so a recused juror's sheet no longer counts).

- Sheet total: the weighted mean of (value - min) / (max - min) over the sheet's scores, on 0-100.
- Raw mean: the mean of an entry's sheet totals.
- Z-score normalisation (optional): each juror's totals are mapped to
  M + S * (total - m_j) / s_j, where m_j and s_j are the mean and the population standard deviation
  of the juror's totals in the session, and M and S those of all totals in the session, so harsh and
  lenient jurors weigh the same and the numbers stay on the 0-100 scale. A juror whose totals do not
  vary (s_j = 0, for instance a single sheet) gets M for each of them. Sums and sums of squares come
  from SQL (SQLite has no STDDEV); the square roots are taken per juror in Python.
- Trimmed mean (optional): with 3 jurors or more, the highest and the lowest (normalised) totals of
  an entry are dropped before the mean.
- Score: the mean after the chosen options; difference: score - raw mean.
- Ranking, within each challenge, by score (higher first), then raw mean (higher first), then the
  number of submitted sheets (more first), then entry id (lower first, the earlier entry). Numbers
  are rounded to 6 decimals before they are compared, so float noise never decides. Entries without
  a submitted sheet come last, by entry id.
- Explanation, one entry at a time (`explain_entry`): the average of each criterion, each juror's
  total and normalised total under a session-wide anonymous label (Juror A, B... in the order of
  user ids), and which totals the trimmed mean dropped. The ranking of every entry is one set of
  aggregate queries; the explanation of one entry is a few more, on that entry's rows only.

What the snapshot frozen at closing holds: the ranking rows with each entry's per-criterion
averages (teams read them after publication), the juror labels and the normalisation coefficients
(a, b) of each juror — not each juror's total for every entry, which for 10,000 entries and 10
jurors was 100,000 items, most of the snapshot's size and of the time it took to compute.

`recount_from_log` recomputes the same figures from the score log replayed in Python, independently
of the stored scores and of the SQL above: it must give the same ranking and numbers.
"""

# The SQL below is assembled from constants only; every value goes through a placeholder.
# ruff: noqa: S608

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from events.domain import crowd_bt, pairwise
from events.domain.criteria import criteria_for
from events.domain.scoring import replay, scope_query, weighted_total
from events.domain.sql import rows as _rows
from events.i18n import lazy
from events.models import (
    Assignment,
    Criterion,
    JudgingMode,
    JurySession,
    JurySessionJuror,
    Normalisation,
    ScoreLogEntry,
    ScoreSheet,
    SheetStatus,
)

DIGITS = 6
TIE_BREAK = [
    lazy("higher score"),
    lazy("higher raw mean"),
    lazy("more submitted sheets"),
    lazy("earlier entry (lower number)"),
]

# The stored total of each counted sheet: submitted and still assigned. The total is the weighted mean
# computed by the database at every save (events.domain.scoring.SHEET_TOTAL), and recomputed for the
# whole session when it closes, just before the results are frozen. Parameters: session, status, True.
SHEET_TOTALS = """
sheet_totals AS (
    SELECT entry_id, juror_id, total
    FROM score_sheet
    WHERE session_id = ? AND status = ? AND assigned = ? AND total IS NOT NULL
)"""


@dataclass(frozen=True)
class JurorStats:
    juror_id: int
    count: int
    total: float  # sum of the juror's sheet totals
    squares: float  # sum of their squares


def coefficients(stats: list[JurorStats]) -> dict[int, tuple[float, float]]:
    """Per juror (a, b) such that the normalised total is a * total + b (see the module docstring)."""
    count = sum(s.count for s in stats)
    if not count:
        return {}
    mean = sum(s.total for s in stats) / count
    spread = math.sqrt(max(sum(s.squares for s in stats) / count - mean * mean, 0.0))
    result = {}
    for s in stats:
        own_mean = s.total / s.count
        own_spread = math.sqrt(max(s.squares / s.count - own_mean * own_mean, 0.0))
        if own_spread < 1e-9 or spread < 1e-9:
            result[s.juror_id] = (0.0, mean)
        else:
            result[s.juror_id] = (spread / own_spread, mean - spread * own_mean / own_spread)
    return result


def _number(value: float | None) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def _finish(
    entries: list[tuple[int, int, int]],
    aggregates: dict[int, dict[str, float]],
    *,
    trimmed: bool,
) -> list[dict[str, Any]]:
    """Scores and ranks from per-entry aggregates (n, raw sum, normalised sum, min and max)."""
    results = []
    for entry_id, challenge_id, team_id in entries:
        agg = aggregates.get(entry_id)
        row: dict[str, Any] = {
            "entry_id": entry_id,
            "challenge_id": challenge_id,
            "team_id": team_id,
            "sheets": 0,
            "raw_mean": None,
            "score": None,
            "difference": None,
            "trimmed": False,
            "low": None,  # the lowest and highest (normalised) total of its jurors: the spread
            "high": None,
        }
        if agg and agg["n"]:
            n = int(agg["n"])
            raw_mean = agg["raw_sum"] / n
            if trimmed and n >= 3:
                score = (agg["norm_sum"] - agg["norm_max"] - agg["norm_min"]) / (n - 2)
                row["trimmed"] = True
            else:
                score = agg["norm_sum"] / n
            row.update(
                sheets=n,
                raw_mean=_number(raw_mean),
                score=_number(score),
                difference=_number(round(score, DIGITS) - round(raw_mean, DIGITS)),
                low=_number(agg["norm_min"]),
                high=_number(agg["norm_max"]),
            )
        results.append(row)
    return rank(results)


def rank(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order by challenge, then the documented tie-break; number the ranks within each challenge."""

    def key(row: dict[str, Any]) -> tuple:
        scored = row["score"] is not None
        return (
            row["challenge_id"],
            not scored,
            -(row["score"] or 0.0),
            -(row["raw_mean"] or 0.0),
            -row["sheets"],
            row["entry_id"],
        )

    ordered = sorted(results, key=key)
    previous: dict[str, Any] | None = None
    position = 0
    for row in ordered:
        if previous is None or previous["challenge_id"] != row["challenge_id"]:
            position, previous = 0, None
        position += 1
        row["rank"] = position
        row["tie_broken"] = bool(previous and row["score"] is not None and previous["score"] == row["score"])
        previous = row
    return ordered


async def _scope(session: JurySession) -> list[tuple[int, int, int]]:
    """(entry id, challenge id, team id) of the entries in scope, without building model instances."""
    return list(await (await scope_query(session)).values_list("id", "challenge_id", "team_id"))


def juror_label(index: int) -> str:
    """A, B, ... Z, AA, AB...: the anonymous name of the index-th juror."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


async def _coefficients(session: JurySession) -> dict[int, tuple[float, float]]:
    """Each juror's z-score mapping, from the sums of their counted sheet totals (one query)."""
    stats = await _rows(
        f"WITH {SHEET_TOTALS} SELECT juror_id, COUNT(*) AS n, SUM(total) AS s1, SUM(total * total) AS s2 "
        "FROM sheet_totals GROUP BY juror_id ORDER BY juror_id",
        [session.id, SheetStatus.SUBMITTED.value, True],
    )
    return coefficients([JurorStats(r["juror_id"], r["n"], r["s1"], r["s2"]) for r in stats])


async def compute_results(
    *, session: JurySession, now: datetime | None = None, criteria: bool = True
) -> dict[str, Any]:
    """The session's results as JSON-ready data (what the snapshot freezes), from SQL aggregates:
    the ranking, with each entry's per-criterion averages unless `criteria` is False. A pairwise
    session's come from its comparisons (`events.domain.pairwise`, which builds on this module)."""
    if session.mode == JudgingMode.PAIRWISE:
        return await _pairwise_results(session, now)
    base = [session.id, SheetStatus.SUBMITTED.value, True]
    coef: dict[int, tuple[float, float]] = {}
    if session.normalisation == Normalisation.ZSCORE:
        coef = await _coefficients(session)
    if coef:
        # A CASE per juror: SQLite would otherwise scan the sheets once per row of a VALUES table.
        ordered = sorted(coef.items())
        case = (
            "CASE juror_id " + " ".join("WHEN ? THEN CAST(? AS DOUBLE PRECISION)" for _ in ordered) + " END"
        )
        normalised = (
            f"normalised AS (SELECT entry_id, juror_id, total, total * ({case}) + ({case}) AS norm "
            "FROM sheet_totals)"
        )
        params = (
            base
            + [v for juror_id, (a, _b) in ordered for v in (juror_id, a)]
            + [v for juror_id, (_a, b) in ordered for v in (juror_id, b)]
        )
    else:
        normalised = "normalised AS (SELECT entry_id, juror_id, total, total AS norm FROM sheet_totals)"
        params = base
    prefix = f"WITH {SHEET_TOTALS}, {normalised} "
    per_entry = await _rows(
        prefix + "SELECT entry_id, COUNT(*) AS n, SUM(total) AS raw_sum, SUM(norm) AS norm_sum, "
        "MIN(norm) AS norm_min, MAX(norm) AS norm_max FROM normalised GROUP BY entry_id",
        params,
    )
    entries = await _scope(session)
    results = _finish(entries, {row["entry_id"]: row for row in per_entry}, trimmed=session.trimmed)
    jurors = sorted(await JurySessionJuror.filter(session_id=session.id).values_list("user_id", flat=True))
    labels = {juror_id: juror_label(index) for index, juror_id in enumerate(jurors)}
    if criteria:
        by_entry = {row["entry_id"]: row for row in results}
        for row in results:
            row["criteria"] = {}
        for item in await _rows(
            "SELECT sh.entry_id AS entry_id, s.criterion_id AS criterion_id, AVG(s.value) AS average "
            "FROM score_sheet sh JOIN score s ON s.sheet_id = sh.id "
            "WHERE sh.session_id = ? AND sh.status = ? AND sh.assigned = ? "
            "GROUP BY sh.entry_id, s.criterion_id",
            base,
        ):
            if item["entry_id"] in by_entry:
                by_entry[item["entry_id"]]["criteria"][str(item["criterion_id"])] = _number(item["average"])
    return {
        "session_id": session.id,
        "computed_at": (now or datetime.now(UTC)).isoformat(),
        "normalisation": str(session.normalisation),
        "trimmed": session.trimmed,
        "juror_labels": {str(juror_id): label for juror_id, label in labels.items()},
        # What a juror's total became (a * total + b): the explanation applies the frozen mapping.
        "coefficients": {str(juror_id): [a, b] for juror_id, (a, b) in sorted(coef.items())},
        "entries": results,
    }


async def _pairwise_results(session: JurySession, now: datetime | None) -> dict[str, Any]:
    """A pairwise session's results in the same shape, from the comparisons nobody undid
    (`events.domain.pairwise`): `score` is the entry's Crowd-BT strength (None without a
    comparison, so it ranks last), `uncertainty` its standard error; the entries of every challenge
    share one scale, ranks are within each challenge; `comparisons` counts the votes."""
    scope = await _scope(session)
    standing = pairwise.votes(await pairwise.log_rows(session.id))
    estimates = {e.entry: e for e in crowd_bt.rank(standing, [entry_id for entry_id, _c, _t in scope])}
    rows = []
    for entry_id, challenge_id, team_id in scope:
        estimate = estimates[entry_id]
        compared = estimate.comparisons > 0
        rows.append(
            {
                "entry_id": entry_id,
                "challenge_id": challenge_id,
                "team_id": team_id,
                "sheets": estimate.comparisons,
                "wins": estimate.wins,
                "raw_mean": None,
                "score": _number(estimate.strength) if compared else None,
                "uncertainty": _number(estimate.uncertainty),
                "difference": None,
                "trimmed": False,
            }
        )
    jurors = sorted(await JurySessionJuror.filter(session_id=session.id).values_list("user_id", flat=True))
    return {
        "session_id": session.id,
        "mode": str(JudgingMode.PAIRWISE),
        "computed_at": (now or datetime.now(UTC)).isoformat(),
        "normalisation": "none",
        "trimmed": False,
        "comparisons": len(standing),
        "juror_labels": {str(juror_id): juror_label(index) for index, juror_id in enumerate(jurors)},
        "coefficients": {},
        "entries": rank(rows),
    }


async def session_results(session: JurySession) -> dict[str, Any]:
    """The frozen snapshot once the session is closed, else the results as they stand now."""
    if session.results_snapshot is not None:
        return session.results_snapshot
    return await compute_results(session=session)


@dataclass(frozen=True)
class CriterionAverage:
    criterion: Criterion
    average: float | None  # None: no counted sheet has a value for it
    values: int  # how many counted sheets gave a value
    # The mean of the counted sheets' values for it over every entry of the same challenge in the
    # session: what the explanation's profile compares the entry with. None: no value yet.
    challenge_average: float | None = None

    def share(self, value: float | None) -> float | None:
        """A value as a percentage of the criterion's scale (0 at its minimum, 100 at its maximum)."""
        span = self.criterion.scale_max - self.criterion.scale_min
        if value is None or span <= 0:
            return None
        return round(100 * (value - self.criterion.scale_min) / span, 2)


@dataclass(frozen=True)
class JurorTotal:
    label: str  # "A", "B"...: the juror's anonymous label in the session
    total: float  # the sheet total, 0-100
    normalised: float  # what the mean used: the total after normalisation
    dropped: str  # "highest" or "lowest" when the trimmed mean left it out, else ""
    is_viewer: bool  # the juror reading the page: they may know which line is theirs

    @property
    def change(self) -> float:
        return round(self.normalised - self.total, DIGITS)


@dataclass(frozen=True)
class Explanation:
    """How one entry's result came about (see `explain_entry`)."""

    row: dict[str, Any]  # the entry's ranking row: rank, score, raw_mean, difference, sheets...
    criteria: list[CriterionAverage]
    jurors: list[JurorTotal]
    normalisation: str
    trimmed: bool  # the session's option (whether it applied to this entry: row["trimmed"])
    frozen: bool
    computed_at: str

    @property
    def missing(self) -> int:
        """Sheets counted in the ranking that are no longer on record (a deleted account)."""
        return max(self.row["sheets"] - len(self.jurors), 0)


def _dropped(values: list[float], trimmed: bool) -> dict[int, str]:
    """Which positions the trimmed mean left out: the first lowest and the last highest."""
    if not trimmed or len(values) < 3:
        return {}
    lowest = min(range(len(values)), key=lambda i: (values[i], i))
    highest = max(range(len(values)), key=lambda i: (values[i], i))
    return {lowest: "lowest", highest: "highest"}


async def explanation_results(session: JurySession) -> dict[str, Any]:
    """What an explanation reads: the frozen snapshot, else the ranking as it stands (no averages)."""
    if session.results_snapshot is not None:
        return session.results_snapshot
    return await compute_results(session=session, criteria=False)


async def explain_entry(
    *,
    session: JurySession,
    entry_id: int,
    challenge_id: int,
    viewer_id: int | None = None,
    results: dict[str, Any] | None = None,
) -> Explanation | None:
    """How one entry's result came about, in a constant number of queries; None when the entry is
    not in the session's results.

    Where the figures come from: before closing, the ranking is computed now (`compute_results`
    without the averages) and the rest from the current sheets. Once the session is closed, the
    rank, score and raw mean, the juror labels and the normalisation coefficients are the frozen
    snapshot's; the per-criterion averages and each juror's total are read from the sheets, which
    are locked by then: every write checks that the session is open (`_writable_sheet`), the
    assignments (and so `ScoreSheet.assigned`) can no longer be recomputed, and the totals were
    recomputed once, just before the snapshot was taken. So they are the figures the snapshot was
    computed from, and applying the frozen coefficients gives the normalised totals it used. The
    only change left is a deletion (a juror's account): `Explanation.missing` says so.
    """
    frozen = session.results_snapshot is not None
    if results is None:  # the caller may have them already (`explanation_results`)
        results = await explanation_results(session)
    row = next((r for r in results.get("entries", []) if r["entry_id"] == entry_id), None)
    if row is None:
        return None
    labels = {int(juror_id): label for juror_id, label in results.get("juror_labels", {}).items()}
    normalisation = results.get("normalisation", str(session.normalisation))
    if "coefficients" in results:
        coef = {int(juror_id): (a, b) for juror_id, (a, b) in results["coefficients"].items()}
    elif normalisation == Normalisation.ZSCORE:  # a snapshot frozen before the coefficients were kept
        coef = await _coefficients(session)
    else:
        coef = {}
    base = [session.id, SheetStatus.SUBMITTED.value, True, entry_id]
    totals = await _rows(
        "SELECT juror_id, total FROM score_sheet WHERE session_id = ? AND status = ? AND assigned = ? "
        "AND entry_id = ? AND total IS NOT NULL ORDER BY juror_id",  # the labels' order: A, B...
        base,
    )
    averages = {
        item["criterion_id"]: item
        for item in await _rows(
            "SELECT s.criterion_id AS criterion_id, AVG(s.value) AS average, COUNT(*) AS n "
            "FROM score_sheet sh JOIN score s ON s.sheet_id = sh.id "
            "WHERE sh.session_id = ? AND sh.status = ? AND sh.assigned = ? AND sh.entry_id = ? "
            "GROUP BY s.criterion_id",
            base,
        )
    }
    challenge_averages = {
        item["criterion_id"]: _number(item["average"])
        for item in await _rows(
            "SELECT s.criterion_id AS criterion_id, AVG(s.value) AS average "
            "FROM score_sheet sh JOIN score s ON s.sheet_id = sh.id JOIN entry e ON e.id = sh.entry_id "
            "WHERE sh.session_id = ? AND sh.status = ? AND sh.assigned = ? AND e.challenge_id = ? "
            "GROUP BY s.criterion_id",
            [session.id, SheetStatus.SUBMITTED.value, True, challenge_id],
        )
    }
    grid = await criteria_for(session.round_id, challenge_id)
    criteria = [
        CriterionAverage(
            criterion,
            _number(averages[criterion.id]["average"]) if criterion.id in averages else None,
            int(averages[criterion.id]["n"]) if criterion.id in averages else 0,
            challenge_averages.get(criterion.id),
        )
        for criterion in grid
    ]
    normalised = []
    for item in totals:
        a, b = coef.get(item["juror_id"], (1.0, 0.0))
        normalised.append(a * item["total"] + b)
    dropped = _dropped(normalised, bool(results.get("trimmed")))
    jurors = [
        JurorTotal(
            label=labels.get(item["juror_id"], "?"),
            total=_number(item["total"]),
            normalised=_number(norm),
            dropped=dropped.get(index, ""),
            is_viewer=viewer_id is not None and item["juror_id"] == viewer_id,
        )
        for index, (item, norm) in enumerate(zip(totals, normalised, strict=True))
    ]
    return Explanation(
        row=row,
        criteria=criteria,
        jurors=jurors,
        normalisation=normalisation,
        trimmed=bool(results.get("trimmed")),
        frozen=frozen,
        computed_at=results.get("computed_at", ""),
    )


async def recount_from_log(session: JurySession) -> list[dict[str, Any]]:
    """The ranking recomputed from the score log (replayed in Python), the criteria and the assignments."""
    criteria = {
        c.id: (c.weight, c.scale_min, c.scale_max) for c in await Criterion.filter(round_id=session.round_id)
    }
    sheets = {
        sheet_id: (juror_id, entry_id)
        for sheet_id, juror_id, entry_id in await ScoreSheet.filter(session_id=session.id).values_list(
            "id", "juror_id", "entry_id"
        )
    }
    assigned = set(await Assignment.filter(session_id=session.id).values_list("juror_id", "entry_id"))
    history: dict[int, list[tuple[str, int | None, str | None]]] = defaultdict(list)
    for sheet_id, name, criterion_id, new in (
        await ScoreLogEntry.filter(sheet__session_id=session.id)
        .order_by("id")
        .values_list("sheet_id", "field", "criterion_id", "new_value")
    ):
        history[sheet_id].append((name, criterion_id, new))
    totals: list[tuple[int, int, float]] = []  # (entry, juror, total)
    for sheet_id, rows in history.items():
        state = replay(rows)
        juror_id, entry_id = sheets[sheet_id]
        if state.status != SheetStatus.SUBMITTED or (juror_id, entry_id) not in assigned:
            continue
        total = weighted_total([(value, *criteria[cid]) for cid, value in state.values.items()])
        if total is not None:
            totals.append((entry_id, juror_id, total))
    coef: dict[int, tuple[float, float]] = {}
    if session.normalisation == Normalisation.ZSCORE:
        per_juror: dict[int, list[float]] = defaultdict(list)
        for _entry, juror_id, total in totals:
            per_juror[juror_id].append(total)
        coef = coefficients(
            [JurorStats(j, len(v), sum(v), sum(t * t for t in v)) for j, v in sorted(per_juror.items())]
        )
    aggregates: dict[int, dict[str, float]] = {}
    for entry_id, juror_id, total in totals:
        a, b = coef.get(juror_id, (1.0, 0.0))
        norm = a * total + b
        agg = aggregates.setdefault(
            entry_id, {"n": 0, "raw_sum": 0.0, "norm_sum": 0.0, "norm_min": math.inf, "norm_max": -math.inf}
        )
        agg["n"] += 1
        agg["raw_sum"] += total
        agg["norm_sum"] += norm
        agg["norm_min"] = min(agg["norm_min"], norm)
        agg["norm_max"] = max(agg["norm_max"], norm)
    return _finish(await _scope(session), aggregates, trimmed=session.trimmed)


def ranking(results: list[dict[str, Any]]) -> list[tuple]:
    """The figures a recount must reproduce, for comparing two results."""
    return [
        (r["entry_id"], r["challenge_id"], r["rank"], r["sheets"], r["raw_mean"], r["score"]) for r in results
    ]
