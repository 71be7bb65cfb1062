"""Tortoise models, one module per aggregate. Thin: the rules live in `events.domain`."""

from events.models.accounts import LoginFailure, User, UserSession
from events.models.challenges import Challenge, ChallengeDataset, ChallengeOwner, ChallengeStatus
from events.models.datasets import Dataset, DatasetStatus, PortalKind
from events.models.entries import (
    DatasetAcceptance,
    DatasetAccess,
    DeadlineReminder,
    Entry,
    EntryDataset,
    EntryFile,
    EntryRevision,
    EntryStatus,
    Selection,
)
from events.models.events import (
    Event,
    EventKind,
    EventRole,
    EventStatus,
    GalleryMode,
    Invitation,
    Role,
    Round,
)
from events.models.mail import MailStatus, OutboxMessage
from events.models.teams import JoinRequest, JoinRequestStatus, Registration, Team, TeamChallenge, TeamMember

__all__ = [
    "Challenge",
    "ChallengeDataset",
    "ChallengeOwner",
    "ChallengeStatus",
    "Dataset",
    "DatasetAcceptance",
    "DatasetAccess",
    "DatasetStatus",
    "DeadlineReminder",
    "Entry",
    "EntryDataset",
    "EntryFile",
    "EntryRevision",
    "EntryStatus",
    "Event",
    "EventKind",
    "EventRole",
    "EventStatus",
    "GalleryMode",
    "Invitation",
    "JoinRequest",
    "JoinRequestStatus",
    "LoginFailure",
    "MailStatus",
    "OutboxMessage",
    "PortalKind",
    "Registration",
    "Role",
    "Round",
    "Selection",
    "Team",
    "TeamChallenge",
    "TeamMember",
    "User",
    "UserSession",
]
