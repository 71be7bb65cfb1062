"""Tortoise models, one module per aggregate. Thin: the rules live in `events.domain`."""

from events.models.accounts import LoginFailure, User, UserSession
from events.models.events import Event, EventKind, EventRole, EventStatus, Role
from events.models.mail import MailStatus, OutboxMessage

__all__ = [
    "Event",
    "EventKind",
    "EventRole",
    "EventStatus",
    "LoginFailure",
    "MailStatus",
    "OutboxMessage",
    "Role",
    "User",
    "UserSession",
]
