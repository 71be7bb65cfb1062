"""The look of the instance and of its events: its settings (name, colours, footer links) and the
images people upload (the instance's logo, an event's cover, sponsor and partner logos, a
challenge's illustration). Only re-encoded pixels are stored (events.domain.images)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from events.i18n import _


class ImageRole(StrEnum):
    LOGO = "logo"  # the instance's logo (no event)
    COVER = "cover"  # an event's cover, at most one per event
    SPONSOR = "sponsor"  # an event's sponsor logo
    PARTNER = "partner"  # an event's partner logo
    ILLUSTRATION = "illustration"  # a challenge's illustration, at most one per challenge

    @property
    def label(self) -> str:
        """The role in the reader's language."""
        return {
            ImageRole.LOGO: _("logo"),
            ImageRole.COVER: _("cover image"),
            ImageRole.SPONSOR: _("sponsor"),
            ImageRole.PARTNER: _("partner"),
            ImageRole.ILLUSTRATION: _("illustration"),
        }[self]


class Image(Model):
    """An uploaded image, as stored after its re-encoding: where its bytes are and what they are.

    `name` is the sponsor's or partner's name (the image's alternative text), `link` its web address
    and `position` its place in the event's list. Served at `/images/<id>/<sha256>.<ext>`, an address
    that changes with the content, so it is cached for a year."""

    id = fields.IntField(primary_key=True)
    role = fields.CharEnumField(ImageRole, max_length=20)
    event = fields.ForeignKeyField("models.Event", related_name="images", null=True, on_delete=fields.CASCADE)
    challenge = fields.ForeignKeyField(
        "models.Challenge", related_name="images", null=True, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=120, default="")
    link = fields.CharField(max_length=500, default="")
    position = fields.IntField(default=0)
    storage_key = fields.CharField(max_length=200, unique=True)
    sha256 = fields.CharField(max_length=64)
    content_type = fields.CharField(max_length=30)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "image"
        ordering = ["position", "id"]

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/jpeg": "jpg"}.get(self.content_type, "bin")

    @property
    def url(self) -> str:
        """Its address on this site, which changes when the bytes do."""
        return f"/images/{self.id}/{self.sha256}.{self.extension}"


class SiteSettings(Model):
    """The instance's identity, one row (id 1), edited by admins. An empty value means the default
    (the name hackcity, the stylesheet's colours). `footer_links` is a list of {"label", "url"}."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80, default="")
    primary_colour = fields.CharField(max_length=7, default="")
    accent_colour = fields.CharField(max_length=7, default="")
    footer_links = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "site_settings"
