"""Personal API tokens: what lets a program act for an organiser on one event through `/api/v1`."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class TokenScope(StrEnum):
    READ = "read"  # reads the event's data
    WRITE = "write"  # reads, and makes the changes the API offers (import, invite, move a deadline)


class ApiToken(Model):
    """A token an organiser made on their account page for one event they organise.

    The secret is shown once, at creation: the table keeps its SHA-256 (`token_hash`) and its first
    characters (`prefix`), so the owner can tell their tokens apart. A revoked token stays, with
    `revoked_at`, as the record of what could act for whom.
    """

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.CASCADE
    )
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="api_tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=80)
    scope = fields.CharEnumField(TokenScope, max_length=10, default=TokenScope.READ)
    prefix = fields.CharField(max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
