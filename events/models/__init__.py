"""Tortoise models, one module per aggregate. Thin: the rules live in `events.domain`."""

from events.models.accounts import LoginFailure, User, UserSession
from events.models.challenges import Challenge, ChallengeDataset, ChallengeOwner, ChallengeStatus
from events.models.datasets import Dataset, DatasetStatus, PortalKind
from events.models.events import Event, EventKind, EventRole, EventStatus, Invitation, Role, Round
from events.models.mail import MailStatus, OutboxMessage

__all__ = [
    "Challenge",
    "ChallengeDataset",
    "ChallengeOwner",
    "ChallengeStatus",
    "Dataset",
    "DatasetStatus",
    "Event",
    "EventKind",
    "EventRole",
    "EventStatus",
    "Invitation",
    "LoginFailure",
    "MailStatus",
    "OutboxMessage",
    "PortalKind",
    "Role",
    "Round",
    "User",
    "UserSession",
]
