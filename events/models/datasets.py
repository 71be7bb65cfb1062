"""The dataset catalogue of an event, with metadata fetched from open-data portals."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PortalKind(StrEnum):
    UDATA = "udata"  # data.gouv.fr and other udata portals
    CKAN = "ckan"
    OPENDATASOFT = "opendatasoft"
    MANUAL = "manual"  # entered by hand


class DatasetStatus(StrEnum):
    OK = "ok"
    GONE = "gone"  # disappeared at the source: kept, never deleted


class Dataset(Model):
    id = fields.IntField(primary_key=True)
    event = fields.ForeignKeyField("models.Event", related_name="datasets", on_delete=fields.CASCADE)
    portal_kind = fields.CharEnumField(PortalKind, max_length=20, default=PortalKind.MANUAL)
    portal_url = fields.CharField(max_length=500, default="")  # base URL of the portal
    # Stable id at the source; NULL for a dataset entered by hand, so that the unique constraint
    # below (NULLs are distinct on SQLite and PostgreSQL) allows any number of them.
    remote_id = fields.CharField(max_length=200, null=True, default=None)
    display_id = fields.CharField(max_length=200, default="")  # slug or name at the source
    landing_url = fields.CharField(max_length=1000, default="")
    api_url = fields.CharField(max_length=1000, default="")
    source_url = fields.CharField(max_length=1000, default="")  # what the organiser pasted
    title = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    publisher = fields.CharField(max_length=300, default="")
    licence_id = fields.CharField(max_length=200, default="")  # as the portal names it
    licence_spdx = fields.CharField(max_length=64, default="")
    licence_title = fields.CharField(max_length=300, default="")
    licence_url = fields.CharField(max_length=1000, default="")
    last_modified = fields.DatetimeField(null=True)  # at the source
    frequency = fields.CharField(max_length=100, default="")
    formats = fields.JSONField(default=list)
    resources = fields.JSONField(default=list)  # [{"id", "title", "format", "url", "filesize"}]
    raw_metadata = fields.JSONField(null=True)
    fetched_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(DatasetStatus, max_length=10, default=DatasetStatus.OK)
    last_error = fields.CharField(max_length=500, default="")
    restricted = fields.BooleanField(default=False)
    restricted_terms = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dataset"
        ordering = ["title", "id"]
        # One import of a portal's dataset per event, even for two imports at the same moment.
        unique_together = (("event", "portal_kind", "remote_id"),)

    def __str__(self) -> str:
        return self.title
