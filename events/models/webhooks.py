"""Webhooks: addresses an event's organisers registered, and every delivery made to them."""

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from events.i18n import pgettext


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet
    FAILED = "failed"  # the last try failed: another is planned at `next_attempt_at`
    DELIVERED = "delivered"  # the receiver answered 2xx
    GAVE_UP = "gave_up"  # failed at every try: no more tries (an organiser may redeliver it)

    @property
    def label(self) -> str:
        """The status in the reader's language (a delivery is "livraison", feminine, in French)."""
        return {
            DeliveryStatus.PENDING: pgettext("webhook delivery", "pending"),
            DeliveryStatus.FAILED: pgettext("webhook delivery", "failed, will retry"),
            DeliveryStatus.DELIVERED: pgettext("webhook delivery", "delivered"),
            DeliveryStatus.GAVE_UP: pgettext("webhook delivery", "gave up"),
        }[self]


class Webhook(Model):
    """An address that receives an event's news as signed JSON POST requests.

    `secret` signs every delivery (HMAC-SHA256). The app must read it to sign, so it is stored as it
    is, not hashed: it is shown to the organiser once, when it is made or rotated, and never again.
    `kinds` lists the kinds of news it receives (every kind when the organiser ticked them all).
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="webhooks", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=500)
    secret = fields.CharField(max_length=100)
    kinds = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_by = fields.ForeignKeyField(
        "models.User", related_name="webhooks", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    secret_rotated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(Model):
    """One piece of news for one webhook: its JSON body, written once, and how its tries went.

    `delivery_id` names it to the receiver (the Hackcity-Delivery header and the body's id) and
    stays the same across tries and redeliveries. A worker claims a delivery before sending it
    (`claimed_by`, `claimed_until`), as the mail outbox does.
    """

    id = fields.IntField(primary_key=True)
    webhook: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    delivery_id = fields.UUIDField(unique=True, default=uuid.uuid4)
    kind = fields.CharField(max_length=40)
    payload = fields.TextField()
    status = fields.CharEnumField(
        DeliveryStatus, max_length=10, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_status_code = fields.IntField(null=True)
    # A stable code (`timeout`, `forbidden_address`, `http_error`...), shown in the reader's language.
    last_error = fields.CharField(max_length=40, default="")
    last_duration_ms = fields.IntField(null=True)
    claimed_by = fields.CharField(max_length=32, default="")
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_delivery"
        ordering = ["-id"]
