"""Dates of an event: `datetime-local` inputs read in the event's time zone, the timeline of
windows and deadlines, the next deadline, and the iCalendar export.

Everything is stored in UTC. A form shows and reads wall-clock times of the event's time zone,
so the deadline the page shows is the deadline the server enforces (docs/DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from events.i18n import _
from events.models import Event, Round

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    return name in _timezones()


def parse_local(value: str, timezone: str) -> datetime | None:
    """A `datetime-local` value (wall-clock time in `timezone`) as an aware UTC datetime.

    Empty means no date. Raises ValueError with a message for the user: unreadable input, or a
    time that does not exist in that zone (skipped by a clock change).
    """
    value = value.strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value[:32])
    except ValueError:
        raise ValueError(_("Enter a date and time like 2026-03-14T18:00.")) from None
    if naive.tzinfo is not None:
        raise ValueError(_("Enter a date and time like 2026-03-14T18:00."))
    if not 2000 <= naive.year <= 2100:
        raise ValueError(_("Enter a year between 2000 and 2100."))
    zone = ZoneInfo(timezone)
    moment = naive.replace(tzinfo=zone, second=0, microsecond=0)
    in_utc = moment.astimezone(UTC)
    if in_utc.astimezone(zone).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValueError(_("This time does not exist in %(zone)s (the clocks change).", zone=timezone))
    return in_utc


def local_input(value: datetime | None, timezone: str) -> str:
    """The value of a `datetime-local` input for a stored date, in the event's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(timezone)).strftime(LOCAL_INPUT_FORMAT)


@dataclass(frozen=True)
class Milestone:
    """One line of the timeline: a window (start and end) or a single moment."""

    key: str  # stable: used in the iCalendar UID
    label: str
    starts_at: datetime | None
    ends_at: datetime | None
    is_deadline: bool  # its end is a deadline that people must meet

    @property
    def sort_key(self) -> datetime:
        moment = self.starts_at or self.ends_at
        assert moment is not None
        return moment


def timeline(event: Event, rounds: list[Round]) -> list[Milestone]:
    """The event's dated windows in chronological order; undated ones are left out."""
    items = []
    if event.starts_at or event.ends_at:
        items.append(Milestone("event", _("The event"), event.starts_at, event.ends_at, False))
    if event.registration_opens_at or event.registration_closes_at:
        items.append(
            Milestone(
                "registration",
                _("Registration"),
                event.registration_opens_at,
                event.registration_closes_at,
                True,
            )
        )
    for stage in rounds:
        if stage.opens_at or stage.deadline:
            label = _("Round %(name)s: submissions", name=stage.name)
            items.append(Milestone(f"round-{stage.id}", label, stage.opens_at, stage.deadline, True))
    return sorted(items, key=lambda item: item.sort_key)


def next_deadline(items: list[Milestone], now: datetime | None = None) -> Milestone | None:
    now = now or datetime.now(UTC)
    upcoming = [i for i in items if i.is_deadline and i.ends_at and i.ends_at > now]
    return min(upcoming, key=lambda i: i.ends_at or now) if upcoming else None


def calendar_ics(event: Event, rounds: list[Round], *, base_url: str, now: datetime | None = None) -> bytes:
    """The schedule as iCalendar: one VEVENT per window or deadline, times in UTC.

    UIDs are built from the event's id and the window's key, so a calendar that subscribed once
    updates the same entries when dates move.
    """
    # icalendar is imported here, when a calendar is asked for: at start-up it was a tenth of the
    # app's import time, on every page's path through `events.domain.events`.
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    now = now or datetime.now(UTC)
    host = urlsplit(base_url).hostname or "hackcity"
    page = f"{base_url}/events/{event.slug}"
    calendar = Calendar()
    calendar.add("prodid", "-//hackcity//events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", event.title)
    calendar.add("x-wr-timezone", event.timezone)
    for item in timeline(event, rounds):
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}-{item.key}@{host}")
        entry.add("dtstamp", now.astimezone(UTC))
        start = item.starts_at or item.ends_at
        end = item.ends_at or item.starts_at
        assert start is not None and end is not None
        entry.add("dtstart", start.astimezone(UTC))
        entry.add("dtend", end.astimezone(UTC))
        summary = f"{event.title}: {item.label}"
        if item.is_deadline and item.starts_at is None:
            summary = f"{event.title}: {_('Deadline')} – {item.label}"
        entry.add("summary", summary)
        entry.add("url", page)
        if event.location:
            entry.add("location", event.location)
        calendar.add_component(entry)
    return calendar.to_ical()
