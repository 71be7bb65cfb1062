"""Simulated pairwise judging: does choosing the next entry actively (Crowd-BT's expected information
gain, events/domain/crowd_bt.py) reach a good ranking with fewer comparisons than random pairs?

    .venv/bin/python bench/pairwise.py                 # the first table of docs/PAIRWISE.md
    .venv/bin/python bench/pairwise.py --entries 80 --jurors 10 --checkpoints 40,80,160,240,300

A benchmark, not a test. For each seed: N entries with a hidden quality q ~ N(0, 1) (their true
order); J jurors, each walking from entry to entry as at an expo (Gavel's way): they see one entry,
then the next one chosen for them, and say which of the two is better; a juror never sees an entry
twice. A juror of sharpness s prefers the better entry with probability σ(s × (q_better − q_worse)):
reliable jurors have s = 4, 2 or 1 in turn, and the last `--random` jurors answer at random (s = 0).
Jurors take turns, one comparison each.

Two ways of choosing the next entry, on the same qualities and jurors:
- active: entries nobody has seen first, then the highest expected information gain with the
  entry the juror has just seen (`CrowdBT.choose_next`; `--epsilon 0.25` adds Gavel's 25 % of
  random choices);
- random: any entry the juror has not seen yet.

At each checkpoint (a number of comparisons) the ranking is inferred from all the comparisons so
far (`crowd_bt.rank`: Bradley-Terry with learnt juror reliability) and compared to the true order
by Kendall's tau-b; the table shows the mean over the seeds, then how many comparisons each way
needed, on the mean curve, to reach a given tau.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from events.domain.crowd_bt import EPSILON, Comparison, CrowdBT, kendall_tau_b, rank, sigmoid

SHARPNESS = (4.0, 2.0, 1.0)


def simulate(
    entries: int,
    jurors: int,
    random_jurors: int,
    checkpoints: list[int],
    seed: int,
    active: bool,
    epsilon: float = 0.0,
    reliability: bool = True,
) -> dict[int, float]:
    """Kendall's tau-b of the inferred ranking against the truth, at each checkpoint."""
    world = random.Random(seed)  # the same qualities and jurors for both ways
    quality = [world.gauss(0, 1) for _ in range(entries)]
    sharpness = [
        0.0 if juror >= jurors - random_jurors else SHARPNESS[juror % len(SHARPNESS)]
        for juror in range(jurors)
    ]
    choices = random.Random(seed * 7919 + (1 if active else 2))
    answers = random.Random(seed * 104729)  # the jurors' coin flips
    ids = list(range(entries))
    state = CrowdBT(ids)
    current: dict[int, int | None] = dict.fromkeys(range(jurors))
    comparisons: list[Comparison] = []
    taus: dict[int, float] = {}
    remaining = sorted(checkpoints)
    idle = 0
    juror = -1
    while remaining and idle < jurors:
        juror = (juror + 1) % jurors
        if active:
            following = state.choose_next(juror, current[juror], ids, epsilon=epsilon, rng=choices)
        else:
            fresh = [entry for entry in ids if entry not in state.seen[juror]]
            following = choices.choice(fresh) if fresh else None
        if following is None:
            idle += 1
            continue
        idle = 0
        state.view(juror, following)
        previous, current[juror] = current[juror], following
        if previous is None:
            continue  # the juror's first entry: nothing to compare yet
        better = answers.random() < sigmoid(sharpness[juror] * (quality[following] - quality[previous]))
        winner, loser = (following, previous) if better else (previous, following)
        state.vote(juror, winner, loser)
        comparisons.append(Comparison(juror, winner, loser))
        if len(comparisons) == remaining[0]:
            remaining.pop(0)
            strengths = {e.entry: e.strength for e in rank(comparisons, ids, reliability=reliability)}
            taus[len(comparisons)] = kendall_tau_b([strengths[e] for e in ids], quality) or 0.0
    return taus


def needed(curve: dict[int, float], target: float) -> float | None:
    """Comparisons to reach `target` on a mean curve, interpolated between checkpoints."""
    points = sorted(curve.items())
    for (n0, t0), (n1, t1) in itertools.pairwise(points):
        if t0 >= target:
            return n0
        if t1 >= target:
            return n0 + (n1 - n0) * (target - t0) / (t1 - t0)
    return points[0][0] if points and points[0][1] >= target else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--jurors", type=int, default=10)
    parser.add_argument("--random", type=int, default=2, help="jurors who answer at random")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--checkpoints", default="30,60,90,120,150,180,210,240,270")
    parser.add_argument("--targets", default="0.5,0.6,0.7,0.75")
    parser.add_argument(
        "--epsilon", type=float, default=0.0, help=f"share of random choices when active (Gavel: {EPSILON})"
    )
    parser.add_argument(
        "--plain", action="store_true", help="infer with plain Bradley-Terry (no reliability)"
    )
    args = parser.parse_args()
    checkpoints = [int(n) for n in args.checkpoints.split(",")]
    targets = [float(t) for t in args.targets.split(",")]
    started = time.perf_counter()
    curves: dict[str, dict[int, list[float]]] = {"active": {}, "random": {}}
    for seed in range(1, args.seeds + 1):
        for way in curves:
            taus = simulate(
                args.entries,
                args.jurors,
                args.random,
                checkpoints,
                seed,
                way == "active",
                epsilon=args.epsilon,
                reliability=not args.plain,
            )
            for n, tau in taus.items():
                curves[way].setdefault(n, []).append(tau)
    means = {way: {n: statistics.fmean(v) for n, v in sorted(c.items())} for way, c in curves.items()}
    spread = {way: {n: statistics.pstdev(v) for n, v in sorted(c.items())} for way, c in curves.items()}
    inference = "plain Bradley-Terry" if args.plain else "reliability learnt"
    print(
        f"{args.entries} entries, {args.jurors} jurors ({args.random} answering at random), "
        f"{args.seeds} seeds, epsilon {args.epsilon}, {inference}; "
        "mean Kendall tau-b (± sd over seeds) of the inferred ranking:\n"
    )
    print("| comparisons | active choice | random pairs |")
    print("|---:|---:|---:|")
    for n in checkpoints:
        cells = [
            f"{means[way][n]:.3f} ± {spread[way][n]:.3f}" if n in means[way] else "–"
            for way in ("active", "random")
        ]
        print(f"| {n} | {cells[0]} | {cells[1]} |")
    print("\n| tau reached | comparisons, active | comparisons, random | saved |")
    print("|---:|---:|---:|---:|")
    for target in targets:
        a, r = needed(means["active"], target), needed(means["random"], target)
        saved = f"{1 - a / r:.0%}" if a is not None and r is not None else "–"
        print(
            f"| {target} | {f'{a:.0f}' if a is not None else 'not reached'} | "
            f"{f'{r:.0f}' if r is not None else 'not reached'} | {saved} |"
        )
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
