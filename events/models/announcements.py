"""News that organisers post to an event: shown on its pages and in its Atom feed."""

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Audience(StrEnum):
    """Who was mailed when the announcement was posted."""

    NOBODY = "nobody"
    REGISTRANTS = "registrants"
    JURORS = "jurors"


class Announcement(Model):
    """A piece of news of an event. Posted means public (to whoever sees the event): no draft state.

    `uuid` names it in feeds (`urn:uuid:`) and never changes, whatever happens to the event's address.
    """

    id = fields.IntField(primary_key=True)
    uuid = fields.UUIDField(unique=True, default=uuid.uuid4)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="announcements", on_delete=fields.CASCADE
    )
    # Shown to the event's organisers only (feeds and public pages name the event as author).
    author = fields.ForeignKeyField(
        "models.User", related_name="announcements", null=True, on_delete=fields.SET_NULL
    )
    title = fields.CharField(max_length=200)
    body = fields.TextField(default="")
    audience = fields.CharEnumField(Audience, max_length=20, default=Audience.NOBODY)
    mailed_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "announcement"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
