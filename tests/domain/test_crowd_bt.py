"""Crowd-BT on hand-made cases: one update checked by hand, the information gain, entries nobody has
seen served first, and the ranking of a transitive order, of a cycle, of an unseen entry, and with
a juror who answers the opposite."""

from __future__ import annotations

import math
import random

import pytest

from events.domain.crowd_bt import (
    Belief,
    Comparison,
    CrowdBT,
    Reliability,
    digamma,
    expected_information_gain,
    kendall_tau_b,
    kl_beta,
    kl_normal,
    rank,
    update,
)

A, B, C, D = 1, 2, 3, 4


def test_one_update_by_hand():
    # From the priors: p = σ(0) = 1/2, so c1 = 1/2; q = σ(ln 10) = 10/11.
    juror, winner, loser = update(Reliability(), Belief(), Belief())

    g = 10 / 11 - 1 / 2
    h = (10 / 11) * (1 / 11) - 1 / 4
    assert winner.mu == pytest.approx(g)
    assert loser.mu == pytest.approx(-g)
    assert winner.sigma_sq == pytest.approx(1 + h) == loser.sigma_sq
    # A vote between two unknown entries says nothing of the juror: same mean, E = 60 / 66.
    assert juror.mean == pytest.approx(10 / 11)


def test_divergences_and_digamma():
    assert digamma(1) == pytest.approx(-0.5772156649015329, abs=1e-12)
    assert digamma(0.5) == pytest.approx(-1.9635100260214235, abs=1e-12)
    assert digamma(10) == pytest.approx(2.251752589066721, abs=1e-12)
    assert kl_normal(0.3, 0.5, 0.3, 0.5) == 0
    assert kl_normal(1, 1, 0, 1) == pytest.approx(0.5)
    assert kl_beta(10, 1, 10, 1) == pytest.approx(0, abs=1e-12)
    assert kl_beta(2, 3, 10, 1) > 0


def test_the_information_gain_prefers_a_close_and_uncertain_entry():
    juror = Reliability()
    current = Belief(0.5, 0.2)
    close_unsure = Belief(0.4, 0.9)
    far_known = Belief(-2.5, 0.05)
    gain = expected_information_gain(juror, current, close_unsure)
    assert gain > expected_information_gain(juror, current, far_known) > 0
    # A juror known to answer at random teaches less about the entries.
    assert expected_information_gain(Reliability(50, 50), current, close_unsure) < gain


def test_entries_nobody_has_seen_are_served_first():
    state = CrowdBT([A, B, C, D])
    for juror in (7, 8):
        state.vote(juror, A, B)
        state.vote(juror, B, C)
    # D: still the prior, and the most uncertain.
    assert state.belief(D) == Belief(0.0, 1.0)
    assert all(state.belief(e).sigma_sq < 1.0 for e in (A, B, C))

    # A new juror starts with it; a juror at A is sent to it rather than to B or C.
    assert state.choose_next(9, None, [A, B, C, D]) == D
    state.view(10, A)
    assert state.choose_next(10, A, [A, B, C, D]) == D
    # Once seen by somebody, the information gain decides among what the juror has not seen.
    state.vote(9, D, A)
    assert state.choose_next(10, A, [A, B, C, D]) in {B, C, D}
    assert state.choose_next(7, C, [A, B, C]) is None  # juror 7 has seen them all
    # Conflicts are the caller's: an entry left out of the candidates is never chosen.
    assert state.choose_next(11, None, [B, C]) in {B, C}


def test_the_next_entry_is_the_most_informative_one():
    state = CrowdBT([A, B, C])
    state.beliefs[A] = Belief(0.0, 0.3)
    state.beliefs[B] = Belief(0.1, 0.8)  # close to A and uncertain
    state.beliefs[C] = Belief(3.0, 0.05)  # far and well known
    for entry in (A, B, C):
        state.view(1, entry)  # everybody's entries have been seen once
    state.view(2, A)
    assert state.choose_next(2, A, [B, C]) == B


def test_a_transitive_order():
    comparisons = [Comparison(juror, w, lo) for juror in (7, 8) for w, lo in ((A, B), (B, C), (A, C))]

    ranked = rank(comparisons)

    assert [e.entry for e in ranked] == [A, B, C]
    assert ranked[0].strength > ranked[1].strength > ranked[2].strength
    assert [(e.rank, e.comparisons, e.wins) for e in ranked] == [(1, 4, 4), (2, 4, 2), (3, 4, 0)]
    assert all(0 < e.uncertainty < math.sqrt(2) for e in ranked)
    # The order of the votes does not matter.
    shuffled = comparisons[:]
    random.Random(1).shuffle(shuffled)
    assert [(e.entry, round(e.strength, 6)) for e in rank(shuffled)] == [
        (e.entry, round(e.strength, 6)) for e in ranked
    ]


def test_a_cycle_gives_near_equal_estimates():
    ranked = rank([Comparison(7, A, B), Comparison(7, B, C), Comparison(7, C, A)])

    strengths = [e.strength for e in ranked]
    assert max(strengths) - min(strengths) < 1e-6
    assert all(abs(s) < 1e-6 for s in strengths)
    assert [e.entry for e in ranked] == [A, B, C]  # a tie: the lower id first


def test_an_unseen_entry_keeps_the_prior_and_the_highest_uncertainty():
    ranked = rank([Comparison(7, A, B), Comparison(8, A, C), Comparison(8, B, C)], entries=[A, B, C, D])

    unseen = next(e for e in ranked if e.entry == D)
    assert (unseen.strength, unseen.comparisons, unseen.wins) == (0.0, 0, 0)
    assert unseen.uncertainty == pytest.approx(math.sqrt(2))
    assert all(e.uncertainty < unseen.uncertainty for e in ranked if e.entry != D)
    assert ranked[0].entry == A and ranked[-1].entry == C


def test_a_juror_who_answers_the_opposite_counts_less():
    order = [A, B, C, D]
    pairs = [(order[i], order[j]) for i in range(4) for j in range(i + 1, 4)]
    faithful = [Comparison(juror, w, lo) for juror in (6, 7, 8, 9, 10) for w, lo in pairs]
    contrary = [Comparison(99, lo, w) for _ in range(3) for w, lo in pairs]

    learnt = rank(faithful + contrary)
    plain = rank(faithful + contrary, reliability=False)

    assert [e.entry for e in learnt] == order
    assert [e.entry for e in plain] == order
    # Five jurors agree on every pair, juror 99 says the opposite three times over. Learning that
    # juror 99 answers the opposite widens the gaps that plain Bradley-Terry narrows.
    assert learnt[0].strength - learnt[-1].strength > 2 * (plain[0].strength - plain[-1].strength)


def test_kendall_tau_b():
    assert kendall_tau_b([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert kendall_tau_b([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    # One pair tied in the second: 5 concordant, 0 discordant, 5 / √(6 × 5).
    assert kendall_tau_b([1, 2, 3, 4], [1, 2, 2, 4]) == pytest.approx(5 / math.sqrt(30))
    assert kendall_tau_b([1, 2, 3], [5, 5, 5]) is None
