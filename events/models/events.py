"""Events and the per-event roles that people hold in them."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from events.i18n import _


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return {
            EventStatus.DRAFT: _("draft"),
            EventStatus.PUBLISHED: _("published"),
            EventStatus.ARCHIVED: _("archived"),
        }[self]


class EventKind(StrEnum):
    PROGRAMME = "programme"
    HACKATHON = "hackathon"


class GalleryMode(StrEnum):
    AUTO = "auto"  # opens when the last round's deadline has passed
    OPEN = "open"
    CLOSED = "closed"


class Role(StrEnum):
    ORGANISER = "organiser"
    CHALLENGE_OWNER = "challenge_owner"
    JUROR = "juror"
    MENTOR = "mentor"


class InvitedRole(StrEnum):
    """What an invitation offers: one of the roles above, or a participant's place. Participants hold
    no role (they register and join a team), so PARTICIPANT is never an `EventRole`."""

    ORGANISER = "organiser"
    CHALLENGE_OWNER = "challenge_owner"
    JUROR = "juror"
    MENTOR = "mentor"
    PARTICIPANT = "participant"


class Event(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=80, unique=True)
    title = fields.CharField(max_length=200)
    kind = fields.CharEnumField(EventKind, max_length=20, default=EventKind.HACKATHON)
    summary = fields.CharField(max_length=500, default="")
    description = fields.TextField(default="")
    location = fields.CharField(max_length=200, default="")
    timezone = fields.CharField(max_length=64, default="Europe/Paris")
    status = fields.CharEnumField(EventStatus, max_length=20, default=EventStatus.DRAFT)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    registration_opens_at = fields.DatetimeField(null=True)
    registration_closes_at = fields.DatetimeField(null=True)
    # Participants may propose challenges that an organiser approves.
    allow_challenge_proposals = fields.BooleanField(default=False)
    # Registration: the rules a participant accepts (Markdown), allowed email domains (one per
    # line, empty: anyone) and extra profile questions ([{"key", "label", "kind", "required"}]).
    rules = fields.TextField(default="")
    eligible_domains = fields.TextField(default="")
    registration_questions = fields.JSONField(default=list)
    challenges_per_team = fields.IntField(default=1)
    gallery = fields.CharEnumField(GalleryMode, max_length=10, default=GalleryMode.AUTO)
    # Personal data is kept this many months after the event ends, then purged
    # (events.domain.retention, docs/PRIVACY.md). purged_at records when it was.
    # db_default: the column can be added to a table that already holds events.
    retention_months = fields.IntField(default=12, db_default=12)
    purged_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event"
        ordering = ["-starts_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status != EventStatus.DRAFT


class EventRole(Model):
    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="roles", on_delete=fields.CASCADE
    )
    user = fields.ForeignKeyField("models.User", related_name="event_roles", on_delete=fields.CASCADE)
    role = fields.CharEnumField(Role, max_length=20)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event_role"
        unique_together = (("event", "user", "role"),)


class Round(Model):
    """A stage of an event (Application, Prototype...) with its submission window."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="rounds", on_delete=fields.CASCADE
    )
    position = fields.IntField(default=1)
    name = fields.CharField(max_length=120)
    opens_at = fields.DatetimeField(null=True)
    deadline = fields.DatetimeField(null=True)
    grace_minutes = fields.IntField(default=0)
    team_min = fields.IntField(default=1)
    team_max = fields.IntField(default=5)
    # Extra questions for entries: [{"key", "label", "kind", "required", "choices"}]
    questions = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "round"
        ordering = ["position", "id"]
        unique_together = (("event", "position"),)


class Invitation(Model):
    """A role, or a participant's place, offered by email to someone who may not have an account yet."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="invitations", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    role = fields.CharEnumField(InvitedRole, max_length=20)
    # The invitee's name as the organiser wrote it (an import of people), for the mail and the list.
    # db_default: the columns can be added to a table that already holds invitations.
    name = fields.CharField(max_length=120, default="", db_default="")
    # For a participant: the team they join once they accept (created by the first one who accepts).
    team_name = fields.CharField(max_length=100, default="", db_default="")
    # For a challenge owner: the challenge they will own once they accept.
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="invitations", null=True, on_delete=fields.CASCADE
    )
    # For a juror: the jury session that seats them once they accept.
    jury_session = fields.ForeignKeyField(
        "models.JurySession", related_name="invitations", null=True, on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by = fields.ForeignKeyField(
        "models.User", related_name="sent_invitations", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    accepted_at = fields.DatetimeField(null=True)
    accepted_by = fields.ForeignKeyField(
        "models.User", related_name="accepted_invitations", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "invitation"
