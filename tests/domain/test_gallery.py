"""When the gallery is public: open, closed, or automatically at the last deadline plus grace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from events.domain.gallery import is_public
from events.models import Event, EventStatus, GalleryMode, Round

DEADLINE = datetime(2026, 6, 14, 18, 0, tzinfo=UTC)


def _event(mode: GalleryMode, status: EventStatus = EventStatus.PUBLISHED) -> Event:
    return Event(slug="e", title="E", status=status, gallery=mode)


def _round(grace: int = 15) -> Round:
    return Round(name="Final", position=2, deadline=DEADLINE, grace_minutes=grace)


@pytest.mark.parametrize(
    ("now", "public"),
    [
        (DEADLINE - timedelta(seconds=1), False),
        (DEADLINE + timedelta(minutes=14, seconds=59), False),  # still inside the grace period
        (DEADLINE + timedelta(minutes=15), True),  # the exact second the window closes
        (DEADLINE + timedelta(days=30), True),
    ],
)
def test_auto_gallery_opens_when_the_last_window_closes(now, public):
    assert is_public(_event(GalleryMode.AUTO), _round(), now) is public


def test_auto_gallery_without_a_dated_round_stays_closed():
    assert is_public(_event(GalleryMode.AUTO), Round(name="Open", position=1), DEADLINE) is False
    assert is_public(_event(GalleryMode.AUTO), None, DEADLINE) is False


def test_open_gallery_is_public_before_the_deadline_and_closed_never():
    early = DEADLINE - timedelta(days=3)
    assert is_public(_event(GalleryMode.OPEN), _round(), early) is True
    assert is_public(_event(GalleryMode.CLOSED), _round(), DEADLINE + timedelta(days=300)) is False


def test_draft_event_gallery_is_never_public():
    assert is_public(_event(GalleryMode.OPEN, EventStatus.DRAFT), _round(), DEADLINE) is False
