"""The outbox: every message is stored first, then sent by a background task with retries."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    LOGGED = "logged"  # no SMTP_URL: written to the log, kept here to be read
    FAILED = "failed"  # gave up after the last retry


class OutboxMessage(Model):
    id = fields.IntField(primary_key=True)
    to = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=300)
    body = fields.TextField()
    # The language it is written in (the <html lang> of its HTML part). db_default: the column can
    # be added to a table that already holds messages.
    language = fields.CharField(max_length=5, default="", db_default="")
    status = fields.CharEnumField(MailStatus, max_length=10, default=MailStatus.PENDING, db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.CharField(max_length=500, default="")
    next_attempt_at = fields.DatetimeField(null=True)
    # A worker claims a message before sending it: no other worker takes it until the claim
    # expires (a worker that died mid-send leaves it to be retried then).
    claimed_by = fields.CharField(max_length=32, default="")
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        ordering = ["id"]
