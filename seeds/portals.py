"""Demo datasets as the three portal kinds would return them, and as the catalogue stores them.

Each builder takes a `DatasetSpec` (what a person would recognise: title, publisher, licence, files)
builds the portal's answer in its real JSON shape: udata `GET /api/1/datasets/{id}/`, CKAN
`package_show` (`{help, success, result}`) and Opendatasoft Explore v2.1
`GET /api/explore/v2.1/catalog/datasets/{dataset_id}` (`metas.default`). That answer then goes through
the app's own readers (`events.domain.portals`), so a seeded dataset holds exactly what importing it
would store. Identifiers come from the caller's `random.Random`, dates from `now`: nothing reads the
clock or the network.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from events.domain import licences as licence_rules
from events.domain.portals import READERS, detect_portal
from events.i18n import _
from events.models import DatasetStatus, PortalKind


@dataclass(frozen=True)
class Licence:
    spdx: str
    title: str  # as udata and CKAN name it
    url: str
    ods_name: str  # Opendatasoft has no licence id, only this label


LICENCES = {
    "lov2": Licence(
        spdx="etalab-2.0",
        title="Licence Ouverte / Open Licence version 2.0",
        url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        ods_name="Licence Ouverte v2.0 (Etalab)",
    ),
    "odc-odbl": Licence(
        spdx="ODbL-1.0",
        title="Open Data Commons Open Database License (ODbL)",
        url="https://opendatacommons.org/licenses/odbl/1-0/",
        ods_name="Open Database License (ODbL)",
    ),
}

# Our frequency words, and how each portal spells them.
UDATA_FREQUENCY = {"daily": "daily", "weekly": "weekly", "monthly": "monthly", "annual": "annual"}
UDATA_FREQUENCY |= {"continuous": "continuous", "irregular": "irregular", "punctual": "punctual"}
DCAT_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
DCAT_FREQUENCY_CODES = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "annual": "ANNUAL",
    "continuous": "CONT",
    "irregular": "IRREG",
    "punctual": "NEVER",
}
MIME = {
    "CSV": "text/csv",
    "JSON": "application/json",
    "GeoJSON": "application/geo+json",
    "ZIP": "application/zip",
    "Parquet": "application/vnd.apache.parquet",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "PDF": "application/pdf",
    "GTFS": "application/zip",
}


@dataclass(frozen=True)
class FileSpec:
    title: str
    format: str  # CSV, JSON, GeoJSON, ZIP...
    url: str
    size: int | None = None  # approximate size in bytes, jittered by the caller's random


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset as a person describes it. `key` names it inside the seeds (to link challenges)."""

    key: str
    kind: PortalKind
    portal_url: str
    display_id: str  # udata slug, CKAN name, Opendatasoft dataset_id, or a local slug by hand
    title: str
    description: str  # Markdown, as the catalogue shows it
    publisher: str
    licence: str = "lov2"  # a key of LICENCES, or "" for sponsor terms
    frequency: str = "annual"
    modified_days_ago: int = 30
    keywords: tuple[str, ...] = ()
    files: tuple[FileSpec, ...] = ()
    # Opendatasoft: fields (name, label, type) and number of records
    fields: tuple[tuple[str, str, str], ...] = ()
    records: int = 0
    theme: str = ""
    # What the organiser pasted into the import form: "landing" or "api".
    pasted: str = "landing"
    gone: bool = False
    restricted_terms: str = ""  # Markdown, set for sponsor data behind terms
    licence_title: str = ""  # for data by hand under sponsor terms
    licence_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def object_id(rng: random.Random) -> str:
    """A MongoDB ObjectId, which is what udata uses as a dataset or organisation id."""
    return f"{rng.getrandbits(96):024x}"


def uuid_from(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ods_uid(rng: random.Random) -> str:
    return "da_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _naive_iso(moment: datetime) -> str:
    """CKAN writes UTC timestamps without an offset."""
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def _size(rng: random.Random, approximate: int | None) -> int | None:
    if approximate is None:
        return None
    return int(approximate * rng.uniform(0.9, 1.1))


def _fetched(spec: DatasetSpec, rng: random.Random, now: datetime) -> datetime:
    # A gone dataset was last fetched before it disappeared; the others on a recent refresh.
    days = 40 if spec.gone else 0
    return now - timedelta(days=days, hours=rng.randint(1, 48))


def _modified(spec: DatasetSpec, rng: random.Random, before: datetime) -> datetime:
    """Last modified at the source: some time before we fetched it (or before `now` by hand)."""
    return before - timedelta(days=spec.modified_days_ago, minutes=rng.randint(5, 23 * 60))


def _as_imported(
    spec: DatasetSpec, *, raw: dict[str, Any], api_url: str, landing_url: str, fetched: datetime
) -> dict[str, Any]:
    """What `import_dataset` stores for this answer, read by the app's own reader."""
    ref = detect_portal(api_url)
    read = READERS[spec.kind](raw, ref)
    licence_id, licence_title, licence_url = read.pop("licence")
    spdx, title, url = licence_rules.normalise(licence_id, licence_title, licence_url)
    return read | {
        "portal_kind": spec.kind,
        "portal_url": ref.base_url,
        "source_url": api_url if spec.pasted == "api" else landing_url,
        "licence_id": licence_id or licence_title,
        "licence_spdx": spdx,
        "licence_title": title,
        "licence_url": url,
        "formats": sorted({r["format"] for r in read["resources"] if r["format"]}),
        "raw_metadata": raw,
        "fetched_at": fetched,
        # What `refresh_dataset` records when the portal answers 404.
        "status": DatasetStatus.GONE if spec.gone else DatasetStatus.OK,
        "last_error": _("Nothing was found at this address (HTTP %(status)s).", status=404)
        if spec.gone
        else "",
        "restricted": bool(spec.restricted_terms),
        "restricted_terms": spec.restricted_terms,
    }


def udata_dataset(spec: DatasetSpec, *, rng: random.Random, now: datetime) -> dict[str, Any]:
    remote_id = object_id(rng)
    org_id = object_id(rng)
    created = now - timedelta(days=spec.modified_days_ago + rng.randint(400, 2500))
    fetched = _fetched(spec, rng, now)
    modified = _modified(spec, rng, fetched)
    base = spec.portal_url
    raw_resources = []
    for file in spec.files:
        rid = uuid_from(rng)
        size = _size(rng, file.size)
        raw_resources.append(
            {
                "id": rid,
                "title": file.title,
                "description": None,
                "type": "main",
                "format": file.format.lower(),
                "url": file.url,
                "latest": f"{base}/fr/datasets/r/{rid}",
                "filetype": "remote",
                "filesize": size,
                "mime": MIME.get(file.format, "application/octet-stream"),
                "checksum": None,
                "created_at": _iso(created),
                "last_modified": _iso(modified),
                "extras": {},
                "harvest": None,
                "schema": {},
                "internal": {"created_at_internal": _iso(created), "last_modified_internal": _iso(modified)},
            }
        )
    org_slug = spec.extra.get("org_slug", "")
    raw = {
        "id": remote_id,
        "title": spec.title,
        "acronym": spec.extra.get("acronym"),
        "slug": spec.display_id,
        "description": spec.description,
        "created_at": _iso(created),
        "last_modified": _iso(modified),
        "last_update": _iso(modified),
        "deleted": None,
        "archived": None,
        "private": False,
        "featured": False,
        "frequency": UDATA_FREQUENCY[spec.frequency],
        "frequency_date": None,
        "license": spec.licence,
        "organization": {
            "id": org_id,
            "name": spec.publisher,
            "acronym": spec.extra.get("org_acronym"),
            "slug": org_slug,
            "class": "Organization",
            "page": f"{base}/fr/organizations/{org_slug}/",
            "uri": f"{base}/api/1/organizations/{org_slug}/",
            "logo": f"https://static.data.gouv.fr/avatars/{org_id[:2]}/{org_id}-original.png",
            "logo_thumbnail": f"https://static.data.gouv.fr/avatars/{org_id[:2]}/{org_id}-100.png",
            "badges": [{"kind": "public-service"}, {"kind": "certified"}],
        },
        "owner": None,
        "page": f"{base}/fr/datasets/{spec.display_id}/",
        "uri": f"{base}/api/1/datasets/{spec.display_id}/",
        "resources": raw_resources,
        "community_resources": [],
        "tags": list(spec.keywords),
        "badges": [],
        "spatial": {"geom": None, "granularity": spec.extra.get("granularity", "fr:commune"), "zones": []},
        "temporal_coverage": None,
        "extras": {},
        "harvest": None,
        "schema": None,
        "contact_points": [],
        "metrics": {
            "discussions": rng.randint(0, 40),
            "followers": rng.randint(5, 400),
            "reuses": rng.randint(0, 60),
            "views": rng.randint(2_000, 90_000),
            "resources_downloads": rng.randint(1_000, 500_000),
        },
        "quality": {
            "dataset_description_quality": True,
            "has_resources": True,
            "license": True,
            "update_frequency": True,
            "update_fulfilled_in_time": True,
            "has_open_format": True,
            "all_resources_available": True,
            "resources_documentation": False,
            "spatial": False,
            "temporal_coverage": False,
            "score": 0.78,
        },
        "internal": {"created_at_internal": _iso(created), "last_modified_internal": _iso(modified)},
    }
    return _as_imported(
        spec, raw=raw, api_url=f"{base}/api/1/datasets/{remote_id}/", landing_url=raw["page"], fetched=fetched
    )


def ckan_dataset(spec: DatasetSpec, *, rng: random.Random, now: datetime) -> dict[str, Any]:
    remote_id = uuid_from(rng)
    org_id = uuid_from(rng)
    created = now - timedelta(days=spec.modified_days_ago + rng.randint(400, 2500))
    fetched = _fetched(spec, rng, now)
    modified = _modified(spec, rng, fetched)
    base = spec.portal_url
    licence = LICENCES[spec.licence]
    org_name = spec.extra.get("org_name", "")
    raw_resources = []
    for position, file in enumerate(spec.files):
        rid = uuid_from(rng)
        size = _size(rng, file.size)
        raw_resources.append(
            {
                "id": rid,
                "package_id": remote_id,
                "name": file.title,
                "description": "",
                "format": file.format.upper(),
                "url": file.url,
                "url_type": None,
                "resource_type": None,
                "mimetype": MIME.get(file.format),
                "size": size,
                "hash": "",
                "position": position,
                "state": "active",
                "created": _naive_iso(created),
                "last_modified": _naive_iso(modified),
                "metadata_modified": _naive_iso(modified),
                "datastore_active": file.format == "CSV",
                "cache_url": None,
            }
        )
    result = {
        "id": remote_id,
        "name": spec.display_id,
        "title": spec.title,
        "type": "dataset",
        "notes": spec.description,
        "url": "",
        "version": None,
        "state": "active",
        "private": False,
        "isopen": True,
        "author": spec.publisher,
        "author_email": None,
        "maintainer": spec.extra.get("maintainer", spec.publisher),
        "maintainer_email": spec.extra.get("maintainer_email"),
        "license_id": spec.licence,
        "license_title": licence.title,
        "license_url": licence.url,
        "metadata_created": _naive_iso(created),
        "metadata_modified": _naive_iso(modified),
        "creator_user_id": uuid_from(rng),
        "owner_org": org_id,
        "organization": {
            "id": org_id,
            "name": org_name,
            "title": spec.publisher,
            "type": "organization",
            "description": "",
            "image_url": "",
            "created": _naive_iso(created - timedelta(days=900)),
            "is_organization": True,
            "approval_status": "approved",
            "state": "active",
        },
        "num_resources": len(raw_resources),
        "num_tags": len(spec.keywords),
        "resources": raw_resources,
        "tags": [
            {"id": uuid_from(rng), "name": tag, "display_name": tag, "state": "active", "vocabulary_id": None}
            for tag in spec.keywords
        ],
        "groups": [],
        "extras": [
            {"key": "frequency", "value": DCAT_FREQUENCY + DCAT_FREQUENCY_CODES[spec.frequency]},
            {"key": "spatial_uri", "value": spec.extra.get("spatial_uri", "")},
        ],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
    raw = {"help": f"{base}/api/3/action/help_show?name=package_show", "success": True, "result": result}
    return _as_imported(
        spec,
        raw=raw,
        api_url=f"{base}/api/3/action/package_show?id={remote_id}",
        landing_url=f"{base}/dataset/{spec.display_id}",
        fetched=fetched,
    )


def ods_dataset(spec: DatasetSpec, *, rng: random.Random, now: datetime) -> dict[str, Any]:
    remote_id = ods_uid(rng)
    fetched = _fetched(spec, rng, now)
    modified = _modified(spec, rng, fetched)
    processed = modified + timedelta(minutes=rng.randint(2, 30))
    base = spec.portal_url
    licence = LICENCES[spec.licence]
    api_url = f"{base}/api/explore/v2.1/catalog/datasets/{spec.display_id}"
    records = int(spec.records * rng.uniform(0.98, 1.02))
    description_html = "".join(f"<p>{paragraph}</p>" for paragraph in spec.description.split("\n\n"))
    raw = {
        "dataset_id": spec.display_id,
        "dataset_uid": remote_id,
        "attachments": [
            {
                "href": f"{api_url}/attachments/{position + 1}",
                "id": f"{spec.display_id}-{position + 1}",
                "mimetype": MIME.get(file.format),
                "title": file.title,
                "url": file.url,
            }
            for position, file in enumerate(spec.files)
        ],
        "has_records": True,
        "data_visible": True,
        "features": ["analyze", "geo"] if any(t.startswith("geo_") for *_, t in spec.fields) else ["analyze"],
        "metas": {
            "default": {
                "title": spec.title,
                "description": description_html,
                "theme": [spec.theme] if spec.theme else [],
                "keyword": list(spec.keywords),
                "license": licence.ods_name,
                "license_url": licence.url,
                "language": "fr",
                "metadata_languages": ["fr"],
                "timezone": "Europe/Paris",
                "modified": _iso(modified),
                "modified_updates_on_metadata_change": False,
                "modified_updates_on_data_change": True,
                "data_processed": _iso(processed),
                "metadata_processed": _iso(processed),
                "geographic_reference": ["fr_40_75"] if "paris" in base else ["fr"],
                "geographic_reference_auto": True,
                "territory": spec.extra.get("territory", ["Paris"]),
                "publisher": spec.publisher,
                "references": spec.extra.get("references"),
                "records_count": records,
                "attributions": None,
                "federated": False,
                "parent_domain": None,
                "update_frequency": None,
            },
            "dcat": {
                "accrualperiodicity": DCAT_FREQUENCY + DCAT_FREQUENCY_CODES[spec.frequency],
                "creator": spec.publisher,
                "contributor": None,
                "spatial": None,
                "temporal": None,
                "granularity": None,
                "dataquality": None,
                "publisher_type": None,
                "conforms_to": None,
            },
        },
        "fields": [
            {"name": name, "label": label, "type": kind, "annotations": {}, "description": None}
            for name, label, kind in spec.fields
        ],
    }
    landing = f"{base}/explore/dataset/{spec.display_id}/information/"
    return _as_imported(spec, raw=raw, api_url=api_url, landing_url=landing, fetched=fetched)


def manual_dataset(spec: DatasetSpec, *, rng: random.Random, now: datetime) -> dict[str, Any]:
    """Entered by hand: no portal, no remote id, no raw metadata, files where the owner put them."""
    resources = [
        {
            "id": f"{spec.key}-{position + 1}",
            "title": file.title,
            "format": file.format.lower(),
            "url": file.url,
            "filesize": _size(rng, file.size),
        }
        for position, file in enumerate(spec.files)
    ]
    licence = LICENCES.get(spec.licence)
    # As `create_manual_dataset` reads the licence field of the form.
    typed = licence.ods_name if licence else spec.licence_title
    spdx, title, url = licence_rules.normalise(typed, typed, "" if licence else spec.licence_url)
    landing = spec.extra.get("landing_url", "")
    return {
        "portal_kind": PortalKind.MANUAL,
        "display_id": spec.display_id,
        "landing_url": landing,
        "source_url": landing,
        "title": spec.title,
        "description": spec.description,
        "publisher": spec.publisher,
        "licence_id": typed,
        "licence_spdx": spdx,
        "licence_title": title,
        "licence_url": url,
        "last_modified": _modified(spec, rng, now),
        "frequency": spec.frequency,
        "formats": sorted({r["format"] for r in resources}),
        "resources": resources,
        "restricted": bool(spec.restricted_terms),
        "restricted_terms": spec.restricted_terms,
    }


BUILDERS = {
    PortalKind.UDATA: udata_dataset,
    PortalKind.CKAN: ckan_dataset,
    PortalKind.OPENDATASOFT: ods_dataset,
    PortalKind.MANUAL: manual_dataset,
}


def dataset_fields(spec: DatasetSpec, *, rng: random.Random, now: datetime) -> dict[str, Any]:
    """The keyword arguments of a `Dataset` (without its event) for this spec."""
    return BUILDERS[spec.kind](spec, rng=rng, now=now)
