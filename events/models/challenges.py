"""Challenges: a problem brought by a sponsor, with its datasets and its owners."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from events.i18n import _


class ChallengeStatus(StrEnum):
    PROPOSED = "proposed"  # by a participant, waiting for an organiser
    DRAFT = "draft"
    PUBLISHED = "published"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return {
            ChallengeStatus.PROPOSED: _("proposed"),
            ChallengeStatus.DRAFT: _("draft"),
            ChallengeStatus.PUBLISHED: _("published"),
            ChallengeStatus.REJECTED: _("rejected"),
        }[self]


class Challenge(Model):
    id = fields.IntField(primary_key=True)
    event = fields.ForeignKeyField("models.Event", related_name="challenges", on_delete=fields.CASCADE)
    slug = fields.CharField(max_length=80)
    title = fields.CharField(max_length=200)
    sponsors = fields.JSONField(default=list)  # organisation names
    statement = fields.TextField(default="")  # Markdown problem statement
    deliverables = fields.TextField(default="")  # Markdown
    prizes = fields.TextField(default="")  # Markdown
    max_teams = fields.IntField(null=True)
    status = fields.CharEnumField(ChallengeStatus, max_length=20, default=ChallengeStatus.DRAFT)
    proposed_by = fields.ForeignKeyField(
        "models.User", related_name="proposed_challenges", null=True, on_delete=fields.SET_NULL
    )
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "challenge"
        ordering = ["position", "id"]
        unique_together = (("event", "slug"),)

    def __str__(self) -> str:
        return self.title


class ChallengeOwner(Model):
    """A user who may edit this challenge only (a sponsor, a city department)."""

    id = fields.IntField(primary_key=True)
    challenge = fields.ForeignKeyField("models.Challenge", related_name="owners", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField("models.User", related_name="owned_challenges", on_delete=fields.CASCADE)

    class Meta:
        table = "challenge_owner"
        unique_together = (("challenge", "user"),)


class ChallengeDataset(Model):
    id = fields.IntField(primary_key=True)
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="dataset_links", on_delete=fields.CASCADE
    )
    dataset = fields.ForeignKeyField(
        "models.Dataset", related_name="challenge_links", on_delete=fields.CASCADE
    )
    is_primary = fields.BooleanField(default=False)

    class Meta:
        table = "challenge_dataset"
        unique_together = (("challenge", "dataset"),)
