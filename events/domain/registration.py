"""Registration to an event: the window (server time, UTC), the rules a participant accepts, the
allowed email domains, the organiser's profile questions, and the registrants' table for the CSV export.

`Event.registration_questions` holds `[{"key", "label", "kind", "required", "choices"}]` with the
kinds of `QUESTION_KINDS`; answers are kept in `Registration.answers` under each question's key.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery

from events.domain.errors import FormErrors
from events.i18n import _
from events.models import Event, EventStatus, Registration, TeamMember, User

log = logging.getLogger("hackcity.registration")
QUESTION_KINDS = ("text", "long_text", "url", "choice", "checkbox")
ANSWER_LIMITS = {"text": 300, "long_text": 5000, "url": 500, "choice": 200}
URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+[^\s]*$", re.IGNORECASE)


class WindowState(StrEnum):
    OPEN = "open"
    NOT_OPEN = "not_open"  # no opening date yet, or before it, or the event is a draft
    CLOSED = "closed"


def window_state(event: Event, now: datetime | None = None) -> WindowState:
    """Where the registration window stands. It closes at `registration_closes_at` exactly."""
    now = now or datetime.now(UTC)
    if event.status == EventStatus.ARCHIVED:
        return WindowState.CLOSED
    if event.status != EventStatus.PUBLISHED or event.registration_opens_at is None:
        return WindowState.NOT_OPEN
    if now < event.registration_opens_at:
        return WindowState.NOT_OPEN
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        return WindowState.CLOSED
    return WindowState.OPEN


def window_message(event: Event, state: WindowState) -> str:
    if state == WindowState.CLOSED:
        return _("Registration for this event is closed.")
    if event.registration_opens_at is not None and event.status == EventStatus.PUBLISHED:
        return _("Registration for this event is not open yet.")
    return _("Registration for this event is not open.")


def eligible_domains(event: Event) -> list[str]:
    """The allowed email domains, one per line in the event (a leading `@` is tolerated)."""
    domains = []
    for line in (event.eligible_domains or "").splitlines():
        domain = line.strip().lstrip("@").strip().lower()
        if domain and domain not in domains:
            domains.append(domain)
    return domains


def is_eligible(event: Event, email: str) -> bool:
    """Anyone when no domain is listed; otherwise the address's exact domain must be listed
    (a subdomain is not implicitly allowed: `paris.fr` does not let in `x.paris.fr`)."""
    domains = eligible_domains(event)
    if not domains:
        return True
    domain = email.rpartition("@")[2].strip().lower()
    return domain in domains


def questions(event: Event) -> list[dict[str, Any]]:
    """The event's profile questions that are well formed (a stray one is skipped, not a 500)."""
    found = []
    for question in event.registration_questions or []:
        if not isinstance(question, dict):
            continue
        if not question.get("key") or question.get("kind") not in QUESTION_KINDS:
            continue
        found.append(
            {
                "key": str(question["key"]),
                "label": str(question.get("label") or question["key"]),
                "kind": question["kind"],
                "required": bool(question.get("required")),
                "choices": [str(c) for c in question.get("choices") or []],
            }
        )
    return found


def field_name(question: dict[str, Any]) -> str:
    """The name of a question's input in the registration form."""
    return f"q_{question['key']}"


def clean_answers(event: Event, submitted: dict[str, str]) -> dict[str, Any]:
    """Check the answers to the event's questions; only the questions asked are read."""
    errors: dict[str | None, str] = {}
    answers: dict[str, Any] = {}
    for question in questions(event):
        name, kind = field_name(question), question["kind"]
        if kind == "checkbox":
            ticked = submitted.get(name) in ("on", "1", "true", "yes")
            if question["required"] and not ticked:
                errors[name] = _("Tick this box to register.")
            answers[question["key"]] = ticked
            continue
        value = submitted.get(name, "").strip()
        if kind != "long_text":
            value = " ".join(value.split())
        if not value:
            if question["required"]:
                errors[name] = _("Answer this question.")
            answers[question["key"]] = ""
            continue
        if len(value) > ANSWER_LIMITS[kind]:
            errors[name] = _("Use at most %(n)s characters.", n=ANSWER_LIMITS[kind])
        elif kind == "url" and not URL_RE.match(value):
            errors[name] = _("Enter a web address starting with https:// or http://.")
        elif kind == "choice" and value not in question["choices"]:
            errors[name] = _("Choose one of the answers offered.")
        answers[question["key"]] = value
    if errors:
        raise FormErrors(errors)
    return answers


async def registration_of(*, event: Event, user: User) -> Registration | None:
    return await Registration.get_or_none(event_id=event.id, user_id=user.id)


async def register(
    *,
    event: Event,
    user: User,
    accept_rules: bool,
    answers: dict[str, str],
    now: datetime | None = None,
) -> Registration:
    """Register a user (or update their answers) inside the registration window."""
    now = now or datetime.now(UTC)
    state = window_state(event, now)
    if state != WindowState.OPEN:
        raise FormErrors({None: window_message(event, state)})
    if not is_eligible(event, user.email):
        raise FormErrors(
            {
                None: _(
                    "This event is open to email addresses of these domains only: %(domains)s.",
                    domains=", ".join(eligible_domains(event)),
                )
            }
        )
    errors: dict[str | None, str] = {}
    if not accept_rules:
        errors["accept_rules"] = _("Accept the rules of the event to register.")
    try:
        cleaned = clean_answers(event, answers)
    except FormErrors as error:
        errors.update(error.errors)
        cleaned = {}
    if errors:
        raise FormErrors(errors)
    existing = await registration_of(event=event, user=user)
    if existing is None:
        try:
            created = await Registration.create(
                event=event, user=user, rules_accepted_at=now, answers=cleaned
            )
        except IntegrityError:  # a parallel click registered first: keep one row, with these answers
            existing = await Registration.get(event_id=event.id, user_id=user.id)
        else:
            log.info("user %s registered to event %s", user.id, event.id)
            return created
    existing.answers = cleaned
    existing.rules_accepted_at = now
    await existing.save(update_fields=["answers", "rules_accepted_at"])
    log.info("user %s updated their registration to event %s", user.id, event.id)
    return existing


TEAM_FILTERS = ("in_team", "no_team")
MAX_SEARCH = 100


@dataclass(frozen=True)
class RegistrantFilters:
    """The organiser's filters on the registrants: in a team or not, a piece of a name or an address."""

    team: str = ""
    search: str = ""


def read_registrant_filters(params: dict[str, str]) -> RegistrantFilters:
    """Filters from a query string; an unknown team filter is dropped, the search is cut to its limit."""
    team = params.get("team", "")
    search = " ".join(params.get("q", "").replace("\x00", "").split())[:MAX_SEARCH]
    return RegistrantFilters(team=team if team in TEAM_FILTERS else "", search=search)


def _registrations(event: Event, filters: RegistrantFilters | None = None):
    query = Registration.filter(event_id=event.id)
    filters = filters or RegistrantFilters()
    members = Subquery(TeamMember.filter(event_id=event.id).values("user_id"))
    if filters.team == "in_team":
        query = query.filter(user_id__in=members)
    elif filters.team == "no_team":
        query = query.exclude(user_id__in=members)
    if filters.search:
        query = query.filter(
            Q(user__name__icontains=filters.search) | Q(user__email__icontains=filters.search)
        )
    return query


async def registrants(
    *, event: Event, offset: int = 0, limit: int | None = None, filters: RegistrantFilters | None = None
) -> list[Registration]:
    """Registrations in order (from `offset`, at most `limit`), each with its user and `team_name` (or
    ""): two queries, whatever their number."""
    query = _registrations(event, filters).select_related("user").order_by("created_at", "id")
    rows = await (query.offset(offset).limit(limit) if limit is not None else query)
    members = TeamMember.filter(event_id=event.id)
    if limit is not None:  # a page: its people only (the export reads everyone)
        members = members.filter(user_id__in=[row.user_id for row in rows])
    memberships = await members.values_list("user_id", "team__name")
    teams = dict(memberships)
    for row in rows:
        row.team_name = teams.get(row.user_id, "")  # type: ignore[attr-defined]
    return rows


async def count_registrants(*, event: Event, filters: RegistrantFilters | None = None) -> int:
    return await _registrations(event, filters).count()


def _answer_text(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


async def registrants_table(*, event: Event) -> tuple[list[str], list[list[Any]]]:
    """The registrants as a header and rows, for the CSV export (`events.csv_export`)."""
    asked = questions(event)
    header = [_("Name"), _("Email"), _("Registered at (UTC)"), _("Team")] + [q["label"] for q in asked]
    rows = []
    for row in await registrants(event=event):
        cells = [
            row.user.name,
            row.user.email,
            row.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            row.team_name,  # type: ignore[attr-defined]
        ]
        cells += [_answer_text((row.answers or {}).get(q["key"])) for q in asked]
        rows.append(cells)
    return header, rows
