"""Round windows: overlaps (grace included) and datetime-local parsing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.domain.rounds import overlapping_rounds
from events.domain.schedule import local_input, parse_local
from events.models import Round


def stage(name: str, opens: datetime | None, deadline: datetime | None, grace: int = 0) -> Round:
    return Round(name=name, opens_at=opens, deadline=deadline, grace_minutes=grace)


def test_windows_that_touch_do_not_overlap():
    first = stage("A", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    second = stage("B", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))

    assert overlapping_rounds([first, second]) == []


def test_grace_period_makes_windows_overlap():
    first = stage("A", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC), grace=30)
    second = stage("B", datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))

    assert overlapping_rounds([first, second]) == [(first, second)]


def test_undated_rounds_never_overlap():
    assert (
        overlapping_rounds([stage("A", None, None), stage("B", None, datetime(2026, 1, 1, tzinfo=UTC))]) == []
    )


def test_parse_local_reads_wall_clock_time_of_the_zone():
    assert parse_local("2026-01-15T10:00", "Europe/Paris") == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert parse_local("", "Europe/Paris") is None
    assert local_input(datetime(2026, 1, 15, 9, 0, tzinfo=UTC), "Europe/Paris") == "2026-01-15T10:00"


@pytest.mark.parametrize(
    "value", ["2026-03-29T02:30", "tomorrow", "2026-01-15T10:00+02:00", "1899-01-01T00:00"]
)
def test_parse_local_refuses_impossible_or_unreadable_times(value):
    with pytest.raises(ValueError):
        parse_local(value, "Europe/Paris")
