"""Events and the per-event roles that people hold in them."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class EventKind(StrEnum):
    PROGRAMME = "programme"
    HACKATHON = "hackathon"


class Role(StrEnum):
    ORGANISER = "organiser"
    CHALLENGE_OWNER = "challenge_owner"
    JUROR = "juror"
    MENTOR = "mentor"


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
