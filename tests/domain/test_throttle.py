"""The shared rate limit, called directly: free hits, a delay that doubles up to a cap, refused hits
not counted, a window after which a counter starts again, hits taken back, and parallel hits that
never get past the count (one statement, atomic on SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from events import i18n
from events.domain import throttle
from events.domain.errors import RateLimited
from events.models import Throttle

RULE = throttle.Rule(
    "test", free=3, delay=timedelta(minutes=1), cap=timedelta(minutes=5), window=timedelta(hours=1)
)
T0 = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_language("en")
    yield
    token.var.reset(token)


async def refused_for(at: datetime) -> timedelta:
    with pytest.raises(RateLimited) as refused:
        await throttle.hit(RULE, "k", now=at)
    return refused.value.wait


def test_delays_double_up_to_the_cap():
    assert RULE.delays() == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=5),
    ]
    assert throttle.LOGIN.delays()[-1] == timedelta(hours=1)


async def test_free_hits_then_a_delay_that_doubles_with_each_hit_up_to_the_cap(db):
    for second in range(3):
        await throttle.hit(RULE, "k", now=T0 + timedelta(seconds=second))
    # The third hit started a one-minute delay.
    assert await refused_for(T0 + timedelta(seconds=32)) == timedelta(seconds=30)

    at = T0 + timedelta(seconds=2)
    waited = timedelta(minutes=1)
    for started in (2, 4, 5, 5):  # each hit let through after a delay starts a longer one
        at += waited
        await throttle.hit(RULE, "k", now=at)
        waited = timedelta(minutes=started)
        assert await refused_for(at + timedelta(seconds=1)) == waited - timedelta(seconds=1)
    counter = await Throttle.get(rule="test")
    assert (counter.hits, counter.blocked_until) == (7, at + timedelta(minutes=5))


async def test_a_refused_hit_is_not_counted_and_says_how_long_to_wait(db):
    for _ in range(3):
        await throttle.hit(RULE, "k", now=T0)

    with pytest.raises(RateLimited) as refused:
        await throttle.hit(RULE, "k", now=T0 + timedelta(seconds=10))

    assert (refused.value.minutes, refused.value.retry_after) == (1, "50")
    assert refused.value.message == "Too many requests. Try again in 1 minute."
    assert (await Throttle.get(rule="test")).hits == 3


async def test_other_keys_and_rules_count_apart(db):
    other_rule = throttle.Rule("other", free=1, delay=RULE.delay, cap=RULE.cap, window=RULE.window)
    for _ in range(3):
        await throttle.hit(RULE, "k", now=T0)

    await throttle.hit(RULE, "someone else", now=T0)
    await throttle.hit(other_rule, "k", now=T0)

    assert await Throttle.all().order_by("id").values_list("rule", "hits") == [
        ("test", 3),
        ("test", 1),
        ("other", 1),
    ]


async def test_a_counter_starts_again_a_window_after_its_first_hit(db):
    for _ in range(3):
        await throttle.hit(RULE, "k", now=T0)
    later = T0 + RULE.window + timedelta(minutes=1)

    await throttle.hit(RULE, "k", now=later)

    counter = await Throttle.get(rule="test")
    assert (counter.hits, counter.blocked_until, counter.created_at) == (1, None, later)


async def test_forgive_takes_a_hit_back_and_the_delay_it_started(db):
    for _ in range(3):
        await throttle.hit(RULE, "k", now=T0)

    await throttle.forgive(RULE, "k")

    counter = await Throttle.get(rule="test")
    assert (counter.hits, counter.blocked_until) == (2, None)
    await throttle.hit(RULE, "k", now=T0)  # the third again, which starts the delay again
    assert await refused_for(T0) == timedelta(minutes=1)


async def test_clear_subject_forgets_one_address_counters_only(db):
    await throttle.hit(RULE, "a", "x", subject="address-a", now=T0)
    await throttle.hit(RULE, "a", "y", subject="address-a", now=T0)
    await throttle.hit(RULE, "b", "x", subject="address-b", now=T0)

    await throttle.clear_subject("address-a", RULE)

    assert await Throttle.all().values_list("subject", flat=True) == ["address-b"]


async def test_parallel_hits_never_pass_more_than_the_free_ones(db):
    async def one() -> bool:
        try:
            await throttle.hit(RULE, "k", now=T0)
        except RateLimited:
            return False
        return True

    passed = await asyncio.gather(*(one() for _ in range(40)))

    assert passed.count(True) == 3
    assert (await Throttle.get(rule="test")).hits == 3
