"""How stable a jury session's ranking is: a bootstrap over jurors and a leave-one-juror-out check.

Everything here works on a `Panel`, the session's counted sheet totals held in memory (`load_panel`
reads them in one query; the entries in scope and the options come from the results already
computed). The ranking of a panel is recomputed in Python with the rules of
`events.domain.results` (z-score coefficients over every counted sheet, trimmed mean, scores and raw
means rounded to 6 decimals, the documented tie-break, ranks within each challenge); with every
juror counted once it is the session's ranking (tests/domain/test_stability.py checks it against
`compute_results`).

- **Bootstrap over jurors**: a resample draws as many jurors as the panel has (the jurors with at
  least one counted sheet), with replacement; a juror drawn twice counts twice (each of their sheets
  twice, in the normalisation and in the trimmed mean too), a juror not drawn does not count. The
  ranking is recomputed for each resample, and each entry gets the share of resamples in which it is
  first of its challenge, and in which it is among the first k (k: the number of the challenge's
  prizes once awards are given, else 3). An entry left without a sheet in a resample is never first
  nor in the top k there. B = 1000 resamples by default, drawn by a `random.Random` with a fixed
  seed, so the figures are the same at every reading of the same sheets. For a large panel B is
  lowered so that the work (resamples × (entries + sheets)) stays within `WORK_BUDGET` (about a
  second of Python), and the page says how many resamples were drawn; past 7,500 entries and
  sheets (fewer than `MIN_RESAMPLES` would fit) neither check is made while a page waits, and the
  page says so.
- **Leave one juror out**: the ranking without each juror in turn. A juror "decides the winner"
  when the first entry of a challenge is another one without them; the first k are compared too
  ("without juror C, X and Y swap places").

Jurors are named by their session-wide anonymous label (`events.domain.results.juror_label`).
A report is a pure function of the panel, cached per process (`analyse`), since the sheets rarely
change between two readings of the page.
"""

from __future__ import annotations

import copy
import heapq
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter, mul
from typing import Any

from events.domain import crowd_bt, pairwise
from events.domain.sql import rows as _rows
from events.models import Award, JurySession, SheetStatus

RESAMPLES = 1000
SEED = 14  # fixed: the same sheets give the same figures at every reading
DEFAULT_TOP = 3  # k when a challenge has no prize yet
WORK_BUDGET = 1_500_000  # resamples × (entries + sheets) at most: about a second of Python
MIN_RESAMPLES = 200
DIGITS = 6


@dataclass(frozen=True)
class Panel:
    """A session's counted sheet totals and its ranking options, in memory (hashable, for the cache)."""

    entries: tuple[tuple[int, int], ...]  # (entry id, challenge id) of every entry in scope
    sheets: tuple[tuple[int, int, float], ...]  # (entry id, juror id, total) of every counted sheet
    zscore: bool = False
    trimmed: bool = False

    @property
    def jurors(self) -> tuple[int, ...]:
        """The jurors with at least one counted sheet, in id order."""
        return tuple(sorted({juror for _entry, juror, _total in self.sheets}))


def _picker(positions: list[int]):
    """A C-level function taking a sequence to the items at `positions`, always as a tuple."""
    if len(positions) == 1:
        only = positions[0]
        return lambda values: (values[only],)
    return itemgetter(*positions)


class _Prepared:
    """The panel's sheets grouped for repeated rankings: per entry the positions of its jurors, their
    totals and the totals' z-values, per juror (count, sum, sum of squares), per challenge its
    entries. A ranking then costs a few C-level passes per entry (`map`, `sum`), not a Python loop
    per sheet: a page draws a thousand of them.

    Why z-values: a juror's normalised total is M + S × (total − m_j) / s_j (see
    `events.domain.results`), and only M and S (the mean and spread of all the counted totals)
    change from one resample to the next; z = (total − m_j) / s_j (0 when s_j = 0) does not. So an
    entry's normalised sum is n × M + S × Σ z, and the trimmed mean drops its lowest and highest z."""

    def __init__(self, panel: Panel):
        self.zscore = panel.zscore
        self.trimmed = panel.trimmed
        self.jurors = panel.jurors
        index = {juror: position for position, juror in enumerate(self.jurors)}
        by_entry: dict[int, list[tuple[int, float]]] = defaultdict(list)
        stats = [[0, 0.0, 0.0] for _ in self.jurors]
        for entry_id, juror_id, total in panel.sheets:
            position = index[juror_id]
            by_entry[entry_id].append((position, float(total)))
            stats[position][0] += 1
            stats[position][1] += total
            stats[position][2] += total * total
        self.stats = [(n, s1, s2) for n, s1, s2 in stats]
        own = []
        for n, s1, s2 in self.stats:
            mean = s1 / n
            own.append((mean, math.sqrt(max(s2 / n - mean * mean, 0.0))))

        def z(position: int, total: float) -> float:
            mean, spread = own[position]
            return 0.0 if spread < 1e-9 else (total - mean) / spread

        self.challenges: dict[int, list[tuple[int, Any, tuple[float, ...], tuple[float, ...]]]] = defaultdict(
            list
        )
        for entry_id, challenge_id in sorted(panel.entries, key=lambda item: (item[1], item[0])):
            sheets = by_entry.get(entry_id, [])
            self.challenges[challenge_id].append(
                (
                    entry_id,
                    _picker([position for position, _total in sheets]) if sheets else None,
                    tuple(total for _position, total in sheets),
                    tuple(z(position, total) for position, total in sheets),
                )
            )

    def scale(self, counts: list[int]) -> tuple[float, float] | None:
        """(M, S): the mean and the population spread of the counted totals, each juror counted
        `counts[j]` times (S = 0 when they do not vary); None without normalisation."""
        if not self.zscore:
            return None
        n = s1 = s2 = 0.0
        for c, (jn, js1, js2) in zip(counts, self.stats, strict=True):
            if c:
                n += c * jn
                s1 += c * js1
                s2 += c * js2
        if not n:
            return None
        mean = s1 / n
        spread = math.sqrt(max(s2 / n - mean * mean, 0.0))
        return mean, (spread if spread >= 1e-9 else 0.0)

    def ranking(
        self, counts: list[int], tops: dict[int, int] | None = None
    ) -> dict[int, list[tuple[int, bool]]]:
        """Per challenge, its entries in ranking order as (entry id, has a counted sheet), with each
        juror counted `counts[j]` times; only the first `tops[challenge]` when `tops` is given."""
        scale = self.scale(counts)
        trimmed = self.trimmed
        result: dict[int, list[tuple[int, bool]]] = {}
        for challenge_id, entries in self.challenges.items():
            keyed = []
            for entry_id, pick, totals, zs in entries:
                cs = pick(counts) if pick is not None else ()
                n = sum(cs)
                if not n:
                    keyed.append(((1, 0.0, 0.0, 0, entry_id), entry_id, False))
                    continue
                raw = sum(map(mul, cs, totals))
                cut = trimmed and n >= 3
                if scale is None:
                    score = raw
                    if cut:
                        drawn = list(compress(totals, cs))
                        score -= max(drawn) + min(drawn)
                    score /= n - 2 if cut else n
                else:
                    zsum = sum(map(mul, cs, zs))
                    if cut:
                        drawn = list(compress(zs, cs))
                        zsum -= max(drawn) + min(drawn)
                    score = scale[0] + scale[1] * zsum / (n - 2 if cut else n)
                keyed.append(
                    ((0, -round(score, DIGITS), -round(raw / n, DIGITS), -n, entry_id), entry_id, True)
                )
            if tops is None:
                keyed.sort()
            else:
                keyed = heapq.nsmallest(tops[challenge_id], keyed)
            result[challenge_id] = [(entry_id, scored) for _key, entry_id, scored in keyed]
        return result


@lru_cache(maxsize=8)
def prepare(panel: Panel) -> _Prepared:
    """The panel grouped for rankings, kept a while: the stability report and the calibration of
    the same page share it."""
    return _Prepared(panel)


def ranking(
    panel: Panel, counts: list[int] | None = None, *, zscore: bool | None = None
) -> dict[int, list[int]]:
    """Per challenge, its entry ids in ranking order (scored first), every juror counted once unless
    `counts` (aligned with `panel.jurors`) says how many times; `zscore` overrides the panel's."""
    prepared = prepare(panel)
    weights = counts if counts is not None else [1] * len(prepared.jurors)
    if zscore is not None and zscore != prepared.zscore:
        prepared = copy.copy(prepared)
        prepared.zscore = zscore
    return {
        challenge: [entry for entry, _scored in rows] for challenge, rows in prepared.ranking(weights).items()
    }


@dataclass(frozen=True)
class EntryStability:
    entry_id: int
    rank: int  # in the session's ranking
    scored: bool
    first: float  # share of resamples in which it is first of its challenge
    top: float  # share in which it is among the first k
    ranks_without: tuple[int, ...]  # its rank without each juror in turn (the report's `jurors` order)


@dataclass(frozen=True)
class JurorEffect:
    """What the first k of a challenge become without one juror (only when they change)."""

    juror_id: int
    before: tuple[int, ...]  # the first k scored entries, in order
    after: tuple[int, ...]  # the same without this juror

    @property
    def winner_changes(self) -> bool:
        return self.before[:1] != self.after[:1]

    @property
    def swap(self) -> tuple[int, int] | None:
        """The two entries that trade places when that is the whole change, else None."""
        moved = [i for i, (old, new) in enumerate(zip(self.before, self.after, strict=False)) if old != new]
        if len(self.before) != len(self.after) or len(moved) != 2:
            return None
        i, j = moved
        if self.before[i] == self.after[j] and self.before[j] == self.after[i]:
            return self.before[i], self.before[j]
        return None


@dataclass(frozen=True)
class ChallengeStability:
    challenge_id: int
    k: int
    entries: list[EntryStability]  # in ranking order
    effects: list[JurorEffect]  # the jurors whose absence changes the first k

    @property
    def winner(self) -> EntryStability | None:
        return self.entries[0] if self.entries and self.entries[0].scored else None

    @property
    def deciders(self) -> list[JurorEffect]:
        """The jurors without whom another entry would be first."""
        return [effect for effect in self.effects if effect.winner_changes]

    def entry(self, entry_id: int) -> EntryStability | None:
        return next((item for item in self.entries if item.entry_id == entry_id), None)


@dataclass(frozen=True)
class Stability:
    """A session's stability report (see the module docstring)."""

    resamples: int  # how many were drawn (0: fewer than two jurors, or too large a panel)
    seed: int
    jurors: tuple[int, ...]  # the jurors with a counted sheet, in id order
    challenges: dict[int, ChallengeStability]
    labels: dict[int, str] = field(default_factory=dict)  # juror id → anonymous label
    too_large: bool = False  # not checked: more sheets than `WORK_BUDGET` allows
    sheets: int = 0
    resampled: str = "jurors"  # what a resample draws: "jurors", or "comparisons" in pairwise mode

    @property
    def checked(self) -> bool:
        """Whether it was checked: two jurors or more with counted sheets, and not too many sheets."""
        return self.resamples > 0

    def label(self, juror_id: int) -> str:
        return self.labels.get(juror_id, "?")

    def for_entry(self, entry_id: int) -> tuple[ChallengeStability, EntryStability] | None:
        for challenge in self.challenges.values():
            item = challenge.entry(entry_id)
            if item is not None:
                return challenge, item
        return None


def resamples_for(panel: Panel, wanted: int = RESAMPLES) -> int:
    """B, lowered for a large panel so that resamples × (entries + sheets) stays within
    `WORK_BUDGET`; 0 when that leaves fewer than `MIN_RESAMPLES` (too large to check while a page
    waits). A ranking costs a few C-level passes per entry and one step per sheet."""
    resamples = min(wanted, WORK_BUDGET // max(len(panel.entries) + len(panel.sheets), 1))
    return resamples if resamples >= min(wanted, MIN_RESAMPLES) else 0


def _top(rows: list[tuple[int, bool]], k: int) -> tuple[int, ...]:
    return tuple(entry for entry, scored in rows[:k] if scored)


Ranking = dict[int, list[tuple[int, bool]]]  # per challenge: (entry id, scored or compared), in order


def _summary(
    base: Ranking,
    ks: dict[int, int],
    without: list[Ranking],
    jurors: tuple[int, ...],
    first: dict[int, int],
    top: dict[int, int],
    drawn: int,
) -> dict[int, ChallengeStability]:
    """Each challenge's figures, in either mode: from the full ranking (`base`), the rankings without
    each juror (`without`, in the order of `jurors`) and how often each entry came first and in the
    top k over `drawn` resamples."""
    challenges = {}
    for challenge_id, rows in base.items():
        k = ks[challenge_id]
        places = [
            {entry: rank for rank, (entry, _s) in enumerate(other[challenge_id], 1)} for other in without
        ]
        entries = [
            EntryStability(
                entry_id=entry_id,
                rank=rank,
                scored=scored,
                first=first[entry_id] / drawn if drawn else 0.0,
                top=top[entry_id] / drawn if drawn else 0.0,
                ranks_without=tuple(place[entry_id] for place in places),
            )
            for rank, (entry_id, scored) in enumerate(rows, 1)
        ]
        before = _top(rows, k)
        effects = [
            JurorEffect(jurors[position], before, after)
            for position, other in enumerate(without)
            if (after := _top(other[challenge_id], k)) != before
        ]
        challenges[challenge_id] = ChallengeStability(challenge_id, k, entries, effects)
    return challenges


@lru_cache(maxsize=32)
def analyse(
    panel: Panel, tops: tuple[tuple[int, int], ...] = (), resamples: int = RESAMPLES, seed: int = SEED
) -> Stability:
    """The bootstrap and the leave-one-juror-out check of a panel. `tops`: (challenge id, k) for the
    challenges whose k is not `DEFAULT_TOP`. Pure: the same arguments give the same report."""
    prepared = prepare(panel)
    jurors = prepared.jurors
    size = len(jurors)
    ks = {challenge: max(DEFAULT_TOP, 1) for challenge in prepared.challenges}
    ks.update({challenge: max(k, 1) for challenge, k in tops if challenge in ks})
    base = prepared.ranking([1] * size)
    first: dict[int, int] = defaultdict(int)
    top: dict[int, int] = defaultdict(int)
    drawn = resamples if size >= 2 else 0
    rng = random.Random(seed)
    for _ in range(drawn):
        counts = [0] * size
        for _ in range(size):
            counts[rng.randrange(size)] += 1
        for rows in prepared.ranking(counts, ks).values():
            for position, (entry_id, scored) in enumerate(rows):
                if not scored:
                    break
                top[entry_id] += 1
                if position == 0:
                    first[entry_id] += 1
    without = []
    for position in range(size if drawn else 0):
        counts = [1] * size
        counts[position] = 0
        without.append(prepared.ranking(counts))
    return Stability(drawn, seed, jurors, _summary(base, ks, without, jurors, first, top, drawn))


# --- reading a session ------------------------------------------------------------------------------


async def load_panel(session: JurySession, results: dict[str, Any]) -> Panel:
    """The session's counted sheet totals (one query), with the entries in scope and the options of
    `results` (the frozen snapshot once closed: the sheets are locked by then, see
    `events.domain.results.explain_entry`)."""
    sheets = await _rows(
        "SELECT entry_id, juror_id, total FROM score_sheet "
        "WHERE session_id = ? AND status = ? AND assigned = ? AND total IS NOT NULL "
        "ORDER BY entry_id, juror_id",
        [session.id, SheetStatus.SUBMITTED.value, True],
    )
    return Panel(
        entries=tuple((row["entry_id"], row["challenge_id"]) for row in results.get("entries", [])),
        sheets=tuple((row["entry_id"], row["juror_id"], float(row["total"])) for row in sheets),
        zscore=results.get("normalisation") == "zscore",
        trimmed=bool(results.get("trimmed")),
    )


def tops_from_awards(awards: list[dict[str, Any]] | None) -> tuple[tuple[int, int], ...]:
    """(challenge id, number of its prizes) from the session's awards; the public prize aside."""
    counts: dict[int, int] = defaultdict(int)
    for award in awards or []:
        if award.get("challenge_id") is not None:
            counts[award["challenge_id"]] += 1
    return tuple(sorted(counts.items()))


async def award_tops(session: JurySession) -> tuple[tuple[int, int], ...]:
    """The same, read from the database (one query)."""
    return tops_from_awards(
        await Award.filter(session_id=session.id, challenge_id__isnull=False).values("challenge_id")
    )


def report(
    panel: Panel, results: dict[str, Any], tops: tuple[tuple[int, int], ...] = (), seed: int = SEED
) -> Stability:
    """The stability report of a panel, its jurors labelled as the results label them."""
    labels = {int(juror): label for juror, label in results.get("juror_labels", {}).items()}
    resamples = resamples_for(panel)
    if not resamples:
        return Stability(0, seed, panel.jurors, {}, labels, too_large=True, sheets=len(panel.sheets))
    found = analyse(panel, tops, resamples, seed)
    return Stability(
        found.resamples,
        found.seed,
        found.jurors,
        found.challenges,
        labels,
        sheets=len(panel.sheets),
    )


async def session_stability(
    session: JurySession, results: dict[str, Any], awards: list[dict[str, Any]] | None = None
) -> tuple[Panel, Stability]:
    """A session's panel and its stability report: one query, two without `awards` (already read
    by `events.domain.jury_exports.names_for` on the results page)."""
    panel = await load_panel(session, results)
    tops = tops_from_awards(awards) if awards is not None else await award_tops(session)
    return panel, report(panel, results, tops)


# --- pairwise sessions: a bootstrap over comparisons -------------------------------------------------

PAIRWISE_RESAMPLES = 200
PAIRWISE_BUDGET = 40_000  # resamples × (votes + entries) at most: each resample fits Crowd-BT again
PAIRWISE_MIN_RESAMPLES = 50


def _pairwise_ranking(
    votes: list[crowd_bt.Comparison], entries: tuple[tuple[int, int], ...], tolerance: float
) -> dict[int, list[tuple[int, bool]]]:
    """Per challenge, its entries in Crowd-BT order as (entry id, compared at least once), with the
    tie-break of `events.domain.results.rank` (compared first, strength, comparisons, entry id)."""
    estimates = {
        e.entry: e for e in crowd_bt.rank(votes, [entry for entry, _c in entries], tolerance=tolerance)
    }
    by_challenge: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for entry_id, challenge_id in sorted(entries, key=lambda item: (item[1], item[0])):
        by_challenge[challenge_id].append((entry_id, estimates[entry_id].comparisons > 0))

    def key(item: tuple[int, bool]) -> tuple:
        estimate = estimates[item[0]]
        return (not item[1], -round(estimate.strength, DIGITS), -estimate.comparisons, item[0])

    return {challenge: sorted(rows, key=key) for challenge, rows in by_challenge.items()}


@lru_cache(maxsize=32)
def analyse_pairwise(
    votes: tuple[crowd_bt.Comparison, ...],
    entries: tuple[tuple[int, int], ...],
    tops: tuple[tuple[int, int], ...] = (),
    resamples: int = PAIRWISE_RESAMPLES,
    seed: int = SEED,
) -> Stability:
    """The bootstrap over a pairwise session's votes (as many drawn as there are, with
    replacement, the ranking fitted again each time) and the ranking without each juror's votes.
    Pure: the same arguments give the same report."""
    jurors = tuple(sorted({vote.juror for vote in votes}))
    base = _pairwise_ranking(list(votes), entries, 1e-9)
    ks = {challenge: DEFAULT_TOP for challenge in base}
    ks.update({challenge: max(k, 1) for challenge, k in tops if challenge in ks})
    first: dict[int, int] = defaultdict(int)
    top: dict[int, int] = defaultdict(int)
    drawn = resamples if len(jurors) >= 1 and len(votes) >= 2 else 0
    rng = random.Random(seed)
    for _ in range(drawn):
        sample = [votes[rng.randrange(len(votes))] for _ in votes]
        for challenge, rows in _pairwise_ranking(sample, entries, 1e-6).items():
            for position, (entry_id, compared) in enumerate(rows[: ks[challenge]]):
                if not compared:
                    break
                top[entry_id] += 1
                if position == 0:
                    first[entry_id] += 1
    without = [
        _pairwise_ranking([vote for vote in votes if vote.juror != juror], entries, 1e-9)
        for juror in (jurors if drawn and len(jurors) >= 2 else ())
    ]
    challenges = _summary(base, ks, without, jurors, first, top, drawn)
    return Stability(drawn, seed, jurors if without else (), challenges, resampled="comparisons")


async def pairwise_stability(
    session: JurySession, results: dict[str, Any], awards: list[dict[str, Any]] | None = None
) -> Stability:
    """A pairwise session's stability report, from the votes nobody undid (two queries, three
    without `awards`). Resamples are lowered to stay within `PAIRWISE_BUDGET`; too few: not checked."""
    votes = tuple(pairwise.votes(await pairwise.log_rows(session.id)))
    entries = tuple((row["entry_id"], row["challenge_id"]) for row in results.get("entries", []))
    tops = tops_from_awards(awards) if awards is not None else await award_tops(session)
    labels = {int(juror): label for juror, label in results.get("juror_labels", {}).items()}
    resamples = min(PAIRWISE_RESAMPLES, PAIRWISE_BUDGET // max(len(votes) + len(entries), 1))
    if resamples < PAIRWISE_MIN_RESAMPLES:
        return Stability(0, SEED, (), {}, labels, too_large=True, sheets=len(votes), resampled="comparisons")
    found = analyse_pairwise(votes, entries, tops, resamples)
    return Stability(
        found.resamples,
        found.seed,
        found.jurors,
        found.challenges,
        labels,
        sheets=len(votes),
        resampled="comparisons",
    )


# --- exports -----------------------------------------------------------------------------------------


def stability_table(
    stability: Stability, titles: dict[int, str], challenges: dict[int, str]
) -> tuple[list[str], list[list[Any]]]:
    """One row per entry: its rank, its shares of resamples first and in the top k, and its rank
    without each juror (one column per anonymous label), for the CSV export."""
    labels = [stability.label(juror) for juror in stability.jurors]
    header = [
        "challenge",
        "rank",
        "entry_id",
        "entry",
        "scored",
        "p_first",
        "k",
        "p_top_k",
        "resamples",
        "seed",
        *[f"rank_without_{label}" for label in labels],
    ]
    rows: list[list[Any]] = []
    for challenge in stability.challenges.values():
        for item in challenge.entries:
            rows.append(
                [
                    challenges.get(challenge.challenge_id, ""),
                    item.rank,
                    item.entry_id,
                    titles.get(item.entry_id, ""),
                    item.scored,
                    round(item.first, 4),
                    challenge.k,
                    round(item.top, 4),
                    stability.resamples,
                    stability.seed,
                    *item.ranks_without,
                ]
            )
    return header, rows


def stability_json(
    session: JurySession, stability: Stability, titles: dict[int, str], challenges: dict[int, str]
) -> dict[str, Any]:
    """The report as JSON: per challenge, each entry's figures and the jurors whose absence changes
    the first k (by their anonymous labels)."""
    return {
        "session": {"id": session.id, "name": session.name, "status": str(session.status)},
        "method": {
            "resamples": stability.resamples,
            "seed": stability.seed,
            "resampled": f"{stability.resampled}, with replacement",
            "jurors": [stability.label(juror) for juror in stability.jurors],
        },
        "challenges": [
            {
                "challenge_id": challenge.challenge_id,
                "challenge": challenges.get(challenge.challenge_id, ""),
                "k": challenge.k,
                "entries": [
                    {
                        "entry_id": item.entry_id,
                        "entry": titles.get(item.entry_id, ""),
                        "rank": item.rank,
                        "scored": item.scored,
                        "p_first": round(item.first, 4),
                        "p_top_k": round(item.top, 4),
                        "rank_without": {
                            stability.label(juror): rank
                            for juror, rank in zip(stability.jurors, item.ranks_without, strict=True)
                        },
                    }
                    for item in challenge.entries
                ],
                "leave_one_out": [
                    {
                        "juror": stability.label(effect.juror_id),
                        "top_k": list(effect.before),
                        "top_k_without": list(effect.after),
                        "winner_changes": effect.winner_changes,
                    }
                    for effect in challenge.effects
                ],
            }
            for challenge in stability.challenges.values()
        ],
    }
