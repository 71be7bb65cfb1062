"""Entries: a team's submission to a round and a challenge, its revisions, datasets and files."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from events.i18n import _


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return _("submitted") if self is EntryStatus.SUBMITTED else _("draft")


class Selection(StrEnum):
    PENDING = "pending"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        """The decision in the reader's language."""
        return {
            Selection.PENDING: _("pending"),
            Selection.SELECTED: _("selected"),
            Selection.WAITLISTED: _("waitlisted"),
            Selection.REJECTED: _("not selected"),
        }[self]


class Entry(Model):
    id = fields.IntField(primary_key=True)
    event = fields.ForeignKeyField("models.Event", related_name="entries", on_delete=fields.CASCADE)
    team = fields.ForeignKeyField("models.Team", related_name="entries", on_delete=fields.CASCADE)
    round = fields.ForeignKeyField("models.Round", related_name="entries", on_delete=fields.CASCADE)
    challenge = fields.ForeignKeyField("models.Challenge", related_name="entries", on_delete=fields.CASCADE)
    status = fields.CharEnumField(EntryStatus, max_length=10, default=EntryStatus.DRAFT)
    selection = fields.CharEnumField(Selection, max_length=12, default=Selection.PENDING)
    selection_message = fields.TextField(default="")
    title = fields.CharField(max_length=200)
    summary = fields.CharField(max_length=500, default="")
    description = fields.TextField(default="")  # Markdown
    repository_url = fields.CharField(max_length=500, default="")
    demo_url = fields.CharField(max_length=500, default="")
    video_url = fields.CharField(max_length=500, default="")
    code_licence = fields.CharField(max_length=64, default="")  # SPDX id
    answers = fields.JSONField(default=dict)  # the round's extra questions
    version = fields.IntField(default=1)
    submitted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "entry"
        unique_together = (("team", "round", "challenge"),)
        # The gallery, its count and the API's entries: an event's submitted entries of a round.
        indexes = (("event_id", "round_id", "status"),)

    def __str__(self) -> str:
        return self.title


class EntryRevision(Model):
    """A snapshot of the entry at each save, kept for the record."""

    id = fields.IntField(primary_key=True)
    entry = fields.ForeignKeyField("models.Entry", related_name="revisions", on_delete=fields.CASCADE)
    number = fields.IntField()
    data = fields.JSONField()
    author = fields.ForeignKeyField(
        "models.User", related_name="entry_revisions", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "entry_revision"
        unique_together = (("entry", "number"),)


class EntryDataset(Model):
    id = fields.IntField(primary_key=True)
    entry = fields.ForeignKeyField("models.Entry", related_name="dataset_links", on_delete=fields.CASCADE)
    dataset = fields.ForeignKeyField("models.Dataset", related_name="entry_links", on_delete=fields.CASCADE)
    note = fields.TextField(default="")  # how the team used it
    # The version the team declared using: the dataset's last update at the source (or its last
    # fetch) when the team declared it, so the credit keeps that date after a refresh.
    declared_version = fields.DatetimeField(null=True)

    class Meta:
        table = "entry_dataset"
        unique_together = (("entry", "dataset"),)


class EntryFile(Model):
    id = fields.IntField(primary_key=True)
    entry = fields.ForeignKeyField("models.Entry", related_name="files", on_delete=fields.CASCADE)
    storage_key = fields.CharField(max_length=200, unique=True)  # server-generated
    original_name = fields.CharField(max_length=255)  # shown, never used as a path
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64)
    uploaded_by = fields.ForeignKeyField(
        "models.User", related_name="uploads", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "entry_file"
        indexes = (("entry_id",),)  # an entry's files, on its page and in lists


class DatasetAcceptance(Model):
    """A team accepted a restricted dataset's terms."""

    id = fields.IntField(primary_key=True)
    dataset = fields.ForeignKeyField("models.Dataset", related_name="acceptances", on_delete=fields.CASCADE)
    team = fields.ForeignKeyField("models.Team", related_name="dataset_acceptances", on_delete=fields.CASCADE)
    user = fields.ForeignKeyField(
        "models.User", related_name="dataset_acceptances", null=True, on_delete=fields.SET_NULL
    )
    accepted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dataset_acceptance"
        unique_together = (("dataset", "team"),)


class DatasetAccess(Model):
    """Every acceptance and every access to a restricted dataset's links, for organisers."""

    id = fields.IntField(primary_key=True)
    dataset = fields.ForeignKeyField("models.Dataset", related_name="accesses", on_delete=fields.CASCADE)
    team = fields.ForeignKeyField(
        "models.Team", related_name="dataset_accesses", null=True, on_delete=fields.SET_NULL
    )
    user = fields.ForeignKeyField(
        "models.User", related_name="dataset_accesses", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=20)  # accept, view_links, download
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dataset_access"
        ordering = ["-created_at", "-id"]


class DeadlineReminder(Model):
    """A reminder mailed to a draft entry's team before a deadline: the UNIQUE row makes it once only.

    Keyed on the deadline as well, so that a deadline moved later earns a new reminder.
    """

    id = fields.IntField(primary_key=True)
    entry = fields.ForeignKeyField("models.Entry", related_name="reminders", on_delete=fields.CASCADE)
    deadline = fields.DatetimeField()
    sent_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "deadline_reminder"
        unique_together = (("entry", "deadline"),)
