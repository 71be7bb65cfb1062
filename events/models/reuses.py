"""Reuses on open-data portals: an entry published as a udata reuse, and the organisers' portal keys."""

from tortoise import fields
from tortoise.models import Model


class PortalKey(Model):
    """An API key of a udata portal that an event's organisers entered to publish reuses there.

    One per event and portal: the organisation's key, not one person's. The key itself is kept only
    sealed (Fernet, with a key derived from the app's SECRET_KEY), and `last_chars` (its last four
    characters) tells organisers which key is stored without showing it. A changed SECRET_KEY makes
    the sealed key unreadable: the organisers enter it again.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Event", related_name="portal_keys", on_delete=fields.CASCADE
    )
    portal_url = fields.CharField(max_length=500)  # the portal's base address, as publications use it
    sealed_key = fields.TextField()
    last_chars = fields.CharField(max_length=8)
    stored_by = fields.ForeignKeyField(
        "models.User", related_name="portal_keys", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "portal_key"
        unique_together = (("event", "portal_url"),)


class PortalReuse(Model):
    """An entry published as a reuse on a udata portal: the portal's id and page for it, what was sent.

    One per entry and portal, so publishing again updates the portal's reuse instead of making a
    second one. `remote_id` stays empty until the portal accepted a first publication.
    `publishing_since` is set while a request to the portal is under way, so that two clicks never
    create two reuses there.
    """

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Entry", related_name="portal_reuses", on_delete=fields.CASCADE
    )
    portal_url = fields.CharField(max_length=500)
    remote_id = fields.CharField(max_length=100, default="")
    slug = fields.CharField(max_length=255, default="")
    page_url = fields.CharField(max_length=1000, default="")
    choices = fields.JSONField(default=dict)  # the organiser's type, topic, address and image choices
    dataset_ids = fields.JSONField(default=list)  # our ids of the datasets the reuse links
    sent = fields.JSONField(null=True)  # the last record the portal accepted
    published_by = fields.ForeignKeyField(
        "models.User", related_name="portal_reuses", null=True, on_delete=fields.SET_NULL
    )
    published_at = fields.DatetimeField(null=True)  # the first publication
    updated_at = fields.DatetimeField(null=True)  # the last publication the portal accepted
    publishing_since = fields.DatetimeField(null=True)

    class Meta:
        table = "portal_reuse"
        unique_together = (("entry", "portal_url"),)
