"""Crowd-BT: pairwise judging that learns how far to trust each juror, chooses the next entry a juror
should see, and infers a ranking from the comparisons. Pure Python, no database: the core of a
pairwise judging mode (`events.domain.pairwise`), and what `bench/pairwise.py` measures.

The model (Chen, Bennett, Collins-Thompson and Horvitz, "Pairwise ranking aggregation in a
crowdsourced setting", WSDM 2013; Gavel runs the same at hackathon expos):

- Each entry i has a quality s_i, believed to be N(mu_i, v_i) (v: a variance); prior N(0, 1).
- Each juror k is reliable with probability eta_k, believed to be Beta(a_k, b_k); prior
  Beta(10, 1) (a juror is presumed careful until their votes say otherwise).
- A juror k who compares i and j says "i is better" with probability
  eta_k × σ(s_i − s_j) + (1 − eta_k) × σ(s_j − s_i), where σ(x) = 1 / (1 + e^(−x)): a reliable
  juror follows Bradley-Terry, an unreliable one says the opposite.

**Update after a vote** "w beats l" by a juror with Beta(a, b) (online, by moment matching):

- p = σ(mu_w − mu_l), and with the uncertainty of both (second-order Taylor expansion of σ around
  the mean difference, whose variance is v_w + v_l): c1 = p + ½ (v_w + v_l) p (1 − p) (1 − 2p),
  c2 = 1 − c1.
- The vote's probability: c = (a c1 + b c2) / (a + b).
- The juror: the posterior of eta is a mixture of two Betas; its first two moments are
  E = (c1 a (a + 1) + c2 a b) / (c (a + b) (a + b + 1)) and
  E2 = (c1 a (a + 1) (a + 2) + c2 a (a + 1) b) / (c (a + b) (a + b + 1) (a + b + 2)),
  and the new Beta has the same moments: a' = E (E − E2) / (E2 − E²), b' = (1 − E) (E − E2) / (E2 − E²).
- The entries: one Newton step on the log-likelihood of the vote, whose derivative in mu_w is
  g = σ(mu_w − mu_l + ln(a / b)) − σ(mu_w − mu_l) (the paper writes it
  a e^mu_w / (a e^mu_w + b e^mu_l) − e^mu_w / (e^mu_w + e^mu_l)): mu_w += v_w g, mu_l −= v_l g; and
  with q = σ(mu_w − mu_l + ln(a / b)) and h = q (1 − q) − p (1 − p): v_w ×= max(1 + v_w h, kappa),
  the same for l (kappa = 10⁻⁴ keeps the variances positive).

**Choosing the next entry** for a juror who has just seen entry x: among the entries they have not
seen yet (and are not conflicted with: the caller filters), those that fewer than `min_views`
jurors have seen come first (entries nobody has seen are served first); then the one y with the
highest **expected information gain** of the comparison (x, y): over the two answers, weighted by
their probability, the Kullback-Leibler divergence of the updated beliefs from the current ones,
KL(N_x' ‖ N_x) + KL(N_y' ‖ N_y) + gamma KL(Beta(a', b') ‖ Beta(a, b)), gamma = 0.1. Between
normals, KL = (m1 − m2)² / (2 v2) + ½ (v1 / v2 − 1 − ln(v1 / v2)); between Betas,
KL = ln B(a2, b2) − ln B(a1, b1) + (a1 − a2) ψ(a1) + (b1 − b2) ψ(b1) + (a2 − a1 + b2 − b1) ψ(a1 + b1),
B the Beta function, ψ the digamma function.
Ties go to the lower entry id; Gavel also explores at random a quarter of the time (`epsilon`).

**Ranking** (`rank`): the online state depends on the order of the votes; a published ranking
should not. `rank` fits the same model to all the comparisons at once, by expectation-maximisation:
the E step gives each vote the probability r that its juror answered faithfully,
r = eta σ(s_w − s_l) / (eta σ(s_w − s_l) + (1 − eta) σ(s_l − s_w)); the M step counts the vote as a
win of w with weight r and a win of l with weight 1 − r, fits Bradley-Terry strengths π_i = e^(s_i)
by one minorisation-maximisation step (Hunter 2004), and sets eta_k to the posterior mode of its
Beta(10, 1) prior given the juror's r. A prior on each entry (one virtual win and one virtual loss
against an entry of strength 1, so s = 0 without comparisons) keeps every strength finite, even
for an entry that always wins, and ranks an unseen entry in the middle. The MM step is
π_i ← (W_i + 1) / (Σ_j n_ij / (π_i + π_j) + 2 / (π_i + 1)), W_i the weighted wins, n_ij the votes
between i and j. Each estimate comes with an uncertainty: 1 / √I_ii, with the Fisher information
I_ii = Σ_j n_ij p_ij (1 − p_ij) + 2 p_i0 (1 − p_i0) (p_ij = σ(s_i − s_j), p_i0 = σ(s_i)): the spread of
s_i with the others held at their estimates (it leaves out their own uncertainty, so it is a
lower bound). An entry never compared keeps the prior: s = 0 and the largest uncertainty, √2.

`choix` (Bradley-Terry and Luce models) was considered for the inference: it is maintained, but it
needs numpy and scipy, and fits neither juror reliability nor these soft votes; the MM algorithm
above is a few lines.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

GAMMA = 0.1  # weight of what is learnt about the juror in the information gain
KAPPA = 1e-4  # floor of a variance's shrink factor
MU_PRIOR = 0.0
SIGMA_SQ_PRIOR = 1.0
ALPHA_PRIOR = 10.0
BETA_PRIOR = 1.0
EPSILON = 0.25  # Gavel's share of random choices
PRIOR_GAMES = 1.0  # virtual wins and losses of each entry in `rank`


class Comparison(NamedTuple):
    juror: int
    winner: int
    loser: int


@dataclass(frozen=True)
class Belief:
    """What is believed of an entry's quality: N(mu, sigma_sq)."""

    mu: float = MU_PRIOR
    sigma_sq: float = SIGMA_SQ_PRIOR


@dataclass(frozen=True)
class Reliability:
    """What is believed of a juror's reliability: Beta(alpha, beta)."""

    alpha: float = ALPHA_PRIOR
    beta: float = BETA_PRIOR

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def digamma(x: float) -> float:
    """ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic series."""
    result = 0.0
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    inv = 1.0 / (x * x)
    return (
        result
        + math.log(x)
        - 0.5 / x
        - inv * (1.0 / 12 - inv * (1.0 / 120 - inv * (1.0 / 252 - inv * (1.0 / 240 - inv / 132))))
    )


def log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def kl_normal(mu_1: float, sigma_sq_1: float, mu_2: float, sigma_sq_2: float) -> float:
    """KL(N(mu_1, sigma_sq_1) ‖ N(mu_2, sigma_sq_2))."""
    ratio = sigma_sq_1 / sigma_sq_2
    return (mu_1 - mu_2) ** 2 / (2 * sigma_sq_2) + (ratio - 1 - math.log(ratio)) / 2


def kl_beta(alpha_1: float, beta_1: float, alpha_2: float, beta_2: float) -> float:
    """KL(Beta(alpha_1, beta_1) ‖ Beta(alpha_2, beta_2))."""
    return (
        log_beta(alpha_2, beta_2)
        - log_beta(alpha_1, beta_1)
        + (alpha_1 - alpha_2) * digamma(alpha_1)
        + (beta_1 - beta_2) * digamma(beta_1)
        + (alpha_2 - alpha_1 + beta_2 - beta_1) * digamma(alpha_1 + beta_1)
    )


def _faithful(winner: Belief, loser: Belief) -> float:
    """c1: the probability that a faithful juror says "winner", the beliefs' uncertainty included."""
    p = sigmoid(winner.mu - loser.mu)
    return p + 0.5 * (winner.sigma_sq + loser.sigma_sq) * p * (1 - p) * (1 - 2 * p)


def vote_probability(juror: Reliability, winner: Belief, loser: Belief) -> float:
    """c: the probability that this juror says "winner" when shown the two."""
    c1 = _faithful(winner, loser)
    return (juror.alpha * c1 + juror.beta * (1 - c1)) / (juror.alpha + juror.beta)


def _updated_juror(juror: Reliability, winner: Belief, loser: Belief) -> Reliability:
    a, b = juror.alpha, juror.beta
    c1 = _faithful(winner, loser)
    c2 = 1 - c1
    c = (a * c1 + b * c2) / (a + b)
    first = (c1 * a * (a + 1) + c2 * a * b) / (c * (a + b) * (a + b + 1))
    second = (c1 * a * (a + 1) * (a + 2) + c2 * a * (a + 1) * b) / (c * (a + b) * (a + b + 1) * (a + b + 2))
    variance = second - first * first
    if variance <= 1e-12:  # numerically certain: keep the belief
        return juror
    common = (first - second) / variance
    return Reliability(alpha=first * common, beta=(1 - first) * common)


def _updated_entries(juror: Reliability, winner: Belief, loser: Belief) -> tuple[Belief, Belief]:
    d = winner.mu - loser.mu
    p = sigmoid(d)
    q = sigmoid(d + math.log(juror.alpha / juror.beta))
    g = q - p
    h = q * (1 - q) - p * (1 - p)
    return (
        Belief(winner.mu + winner.sigma_sq * g, winner.sigma_sq * max(1 + winner.sigma_sq * h, KAPPA)),
        Belief(loser.mu - loser.sigma_sq * g, loser.sigma_sq * max(1 + loser.sigma_sq * h, KAPPA)),
    )


def update(juror: Reliability, winner: Belief, loser: Belief) -> tuple[Reliability, Belief, Belief]:
    """The beliefs after this juror said "winner" (see the module docstring): juror, winner, loser."""
    new_winner, new_loser = _updated_entries(juror, winner, loser)
    return _updated_juror(juror, winner, loser), new_winner, new_loser


def expected_information_gain(juror: Reliability, a: Belief, b: Belief) -> float:
    """What showing b to a juror who has just seen a is expected to teach (see the docstring)."""
    gain = 0.0
    for probability, (first, second) in (
        (vote_probability(juror, a, b), (a, b)),
        (vote_probability(juror, b, a), (b, a)),
    ):
        new_juror, new_first, new_second = update(juror, first, second)
        gain += probability * (
            kl_normal(new_first.mu, new_first.sigma_sq, first.mu, first.sigma_sq)
            + kl_normal(new_second.mu, new_second.sigma_sq, second.mu, second.sigma_sq)
            + GAMMA * kl_beta(new_juror.alpha, new_juror.beta, juror.alpha, juror.beta)
        )
    return gain


class CrowdBT:
    """The online state of a pairwise session: a belief per entry, a reliability per juror, who has
    seen what. Entries and jurors are ids; unknown ones start at the prior."""

    def __init__(self, entries: Iterable[int] = ()):
        self.beliefs: dict[int, Belief] = {entry: Belief() for entry in entries}
        self.jurors: dict[int, Reliability] = {}
        self.views: dict[int, int] = defaultdict(int)  # entry → jurors who have seen it
        self.seen: dict[int, set[int]] = defaultdict(set)  # juror → entries they have seen

    def belief(self, entry: int) -> Belief:
        return self.beliefs.setdefault(entry, Belief())

    def reliability(self, juror: int) -> Reliability:
        return self.jurors.setdefault(juror, Reliability())

    def view(self, juror: int, entry: int) -> None:
        """The juror has seen this entry (the first of a session, or the next one)."""
        if entry not in self.seen[juror]:
            self.seen[juror].add(entry)
            self.views[entry] += 1

    def vote(self, juror: int, winner: int, loser: int) -> None:
        self.view(juror, winner)
        self.view(juror, loser)
        self.jurors[juror], self.beliefs[winner], self.beliefs[loser] = update(
            self.reliability(juror), self.belief(winner), self.belief(loser)
        )

    def replay(self, comparisons: Iterable[Comparison]) -> CrowdBT:
        for juror, winner, loser in comparisons:
            self.vote(juror, winner, loser)
        return self

    def choose_next(
        self,
        juror: int,
        current: int | None,
        candidates: Iterable[int],
        *,
        min_views: int = 1,
        epsilon: float = 0.0,
        rng: random.Random | None = None,
    ) -> int | None:
        """The entry this juror should see next, having just seen `current` (None: their first).
        `candidates`: the entries they may see (the caller leaves out conflicts); those they have
        already seen are skipped. None when nothing is left."""
        fresh = sorted(
            entry for entry in set(candidates) if entry not in self.seen[juror] and entry != current
        )
        if not fresh:
            return None
        unseen = [entry for entry in fresh if self.views[entry] < min_views]
        pool = unseen or fresh
        if current is None or (epsilon and rng is not None and rng.random() < epsilon):
            if rng is not None:
                return rng.choice(pool)
            return min(pool, key=lambda entry: (self.views[entry], entry))
        reliability = self.reliability(juror)
        now = self.belief(current)
        return max(
            pool, key=lambda entry: (expected_information_gain(reliability, now, self.belief(entry)), -entry)
        )


@dataclass(frozen=True)
class Estimate:
    entry: int
    strength: float  # s_i, on the log scale (0: an average entry, the prior)
    uncertainty: float  # 1 / √(Fisher information), see the module docstring
    comparisons: int
    wins: int
    rank: int = 0


def _mm_step(
    entries: list[int],
    votes: list[tuple[int, int, int]],  # (juror, winner, loser)
    weights: list[float],
    strengths: dict[int, float],
) -> dict[int, float]:
    """One MM step of Bradley-Terry with soft votes (weight r to the winner, 1 − r to the loser)."""
    wins = dict.fromkeys(entries, PRIOR_GAMES)
    for (_juror, winner, loser), r in zip(votes, weights, strict=True):
        wins[winner] += r
        wins[loser] += 1 - r
    denominators = {entry: 2 * PRIOR_GAMES / (strengths[entry] + 1) for entry in entries}
    for _juror, winner, loser in votes:
        share = 1 / (strengths[winner] + strengths[loser])
        denominators[winner] += share
        denominators[loser] += share
    return {entry: wins[entry] / denominators[entry] for entry in entries}


def rank(
    comparisons: Iterable[Comparison],
    entries: Iterable[int] = (),
    *,
    reliability: bool = True,
    iterations: int = 500,
    tolerance: float = 1e-9,
) -> list[Estimate]:
    """The ranking the comparisons support, best first, with each entry's strength and uncertainty
    (see the module docstring). `entries`: entries to rank even if never compared. Without
    `reliability`, every vote counts fully (plain Bradley-Terry with its prior). The same
    comparisons in any order give the same ranking; ties go to the lower entry id."""
    votes = [Comparison(*comparison) for comparison in comparisons]
    ids = sorted(set(entries) | {e for c in votes for e in (c.winner, c.loser)})
    strengths = dict.fromkeys(ids, 1.0)
    jurors = sorted({c.juror for c in votes})
    eta = dict.fromkeys(jurors, ALPHA_PRIOR / (ALPHA_PRIOR + BETA_PRIOR))
    weights = [1.0] * len(votes)
    for _ in range(iterations):
        if reliability:
            weights = []
            for juror, winner, loser in votes:
                p = strengths[winner] / (strengths[winner] + strengths[loser])
                faithful = eta[juror] * p
                weights.append(faithful / (faithful + (1 - eta[juror]) * (1 - p)))
            faithful_votes: dict[int, list[float]] = defaultdict(list)
            for (juror, _winner, _loser), r in zip(votes, weights, strict=True):
                faithful_votes[juror].append(r)
            eta = {
                juror: min(
                    max(
                        (sum(faithful_votes[juror]) + ALPHA_PRIOR - 1)
                        / (len(faithful_votes[juror]) + ALPHA_PRIOR + BETA_PRIOR - 2),
                        1e-3,
                    ),
                    1 - 1e-3,
                )
                for juror in jurors
            }
        updated = _mm_step(ids, votes, weights, strengths)
        change = max((abs(math.log(updated[e] / strengths[e])) for e in ids), default=0.0)
        strengths = updated
        if change < tolerance:
            break
    played: dict[int, int] = defaultdict(int)
    won: dict[int, int] = defaultdict(int)
    information = {entry: 0.0 for entry in ids}
    for _juror, winner, loser in votes:
        played[winner] += 1
        played[loser] += 1
        won[winner] += 1
        p = strengths[winner] / (strengths[winner] + strengths[loser])
        information[winner] += p * (1 - p)
        information[loser] += p * (1 - p)
    estimates = []
    for entry in ids:
        p0 = strengths[entry] / (strengths[entry] + 1)
        total = information[entry] + 2 * PRIOR_GAMES * p0 * (1 - p0)
        estimates.append(
            Estimate(entry, math.log(strengths[entry]), 1 / math.sqrt(total), played[entry], won[entry])
        )
    estimates.sort(key=lambda e: (-round(e.strength, 9), e.entry))
    return [
        Estimate(e.entry, e.strength, e.uncertainty, e.comparisons, e.wins, position)
        for position, e in enumerate(estimates, 1)
    ]


def kendall_tau_b(first: list[float], second: list[float]) -> float | None:
    """Kendall's tau-b between two scorings of the same items (ties corrected): 1 when they order
    every pair alike, −1 when they reverse them all. None when either ties everything."""
    n = len(first)
    concordant = discordant = ties_first = ties_second = 0
    for i in range(n):
        for j in range(i + 1, n):
            a = (first[i] > first[j]) - (first[i] < first[j])
            b = (second[i] > second[j]) - (second[i] < second[j])
            if a == 0 and b == 0:
                continue
            if a == 0:
                ties_first += 1
            elif b == 0:
                ties_second += 1
            elif a == b:
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_first) * (concordant + discordant + ties_second))
    if denominator == 0:
        return None
    return (concordant - discordant) / denominator
