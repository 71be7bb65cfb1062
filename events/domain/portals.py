"""The dataset catalogue: import from open-data portals (udata, CKAN, Opendatasoft), refresh, hand entry.

docs/DOMAIN.md, "Datasets". A pasted address is recognised (`detect_portal`), turned into the portal's
API address, fetched through `events.domain.fetching` (SSRF-safe) and read into a `Dataset`. The
stable remote id is udata's `id` (not the slug), CKAN's `result.id`, Opendatasoft's `dataset_uid`.
A dataset that disappears at the source is marked gone, never deleted.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import nh3
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.domain import licences
from events.domain.errors import FormErrors
from events.domain.fetching import FetchError, fetch_json
from events.i18n import _, format_day
from events.models import Dataset, DatasetStatus, Event, PortalKind

log = logging.getLogger("hackcity.datasets")

MAX_URL = 1000
MAX_TITLE = 300
MAX_PUBLISHER = 300
MAX_LICENCE = 300
MAX_TEXT = 20_000
UDATA_HOSTS = {"data.gouv.fr", "www.data.gouv.fr", "demo.data.gouv.fr"}
# An optional language prefix that portals put before their pages: /fr/datasets/..., /en/dataset/...
_LANG = r"(?:/[a-z]{2}(?:[-_][A-Za-z]{2})?)?"
_SEGMENT = r"([^/?#]+)"
ODS_API_RE = re.compile(rf"^(?P<base>.*?)/api/explore/(?P<version>v2\.[01])/catalog/datasets/{_SEGMENT}")
ODS_PAGE_RE = re.compile(rf"^(?P<base>.*?){_LANG}/explore/dataset/{_SEGMENT}")
UDATA_API_RE = re.compile(rf"^(?P<base>.*?)/api/1/datasets/{_SEGMENT}")
UDATA_PAGE_RE = re.compile(rf"^(?P<base>.*?){_LANG}/datasets/{_SEGMENT}")
CKAN_API_RE = re.compile(r"^(?P<base>.*?)/api/3/action/package_show/?$")
CKAN_PAGE_RE = re.compile(rf"^(?P<base>.*?){_LANG}/dataset/{_SEGMENT}")


@dataclass(frozen=True)
class PortalRef:
    kind: PortalKind
    base_url: str  # scheme://host[:port][/prefix], no trailing slash
    identifier: str  # as found in the address: an id, a slug or a name
    api_url: str


def _api_url(kind: PortalKind, base: str, identifier: str, version: str = "v2.1") -> str:
    safe = quote(identifier, safe="")
    if kind == PortalKind.UDATA:
        return f"{base}/api/1/datasets/{safe}/"
    if kind == PortalKind.CKAN:
        return f"{base}/api/3/action/package_show?id={safe}"
    return f"{base}/api/explore/{version}/catalog/datasets/{safe}"


def detect_portal(url: str) -> PortalRef:
    """Which portal an address belongs to, and the API address of its dataset; FormErrors if unknown."""
    text = url.strip()
    if not text:
        raise FormErrors({"url": _("Paste the address of a dataset.")})
    if len(text) > MAX_URL:
        raise FormErrors({"url": _("This address is too long.")})
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise FormErrors({"url": _("Only http:// and https:// addresses can be used.")})
    if not parts.hostname:
        raise FormErrors({"url": _("This address is not valid.")})
    origin = f"{parts.scheme.lower()}://{parts.netloc}"
    path = parts.path.rstrip("/")
    found: PortalRef | None = None
    if match := ODS_API_RE.match(path):
        base = origin + match["base"]
        found = PortalRef(
            PortalKind.OPENDATASOFT,
            base,
            unquote(match[3]),
            _api_url(PortalKind.OPENDATASOFT, base, unquote(match[3]), match["version"]),
        )
    elif match := ODS_PAGE_RE.match(path):
        found = _ref(PortalKind.OPENDATASOFT, origin + match["base"], match[2])
    elif match := UDATA_API_RE.match(path):
        found = _ref(PortalKind.UDATA, origin + match["base"], match[2])
    elif match := CKAN_API_RE.match(path):
        identifier = (parse_qs(parts.query).get("id") or [""])[0].strip()
        if identifier:
            found = _ref(PortalKind.CKAN, origin + match["base"], identifier)
    elif (match := UDATA_PAGE_RE.match(path)) and match[2] != "r":  # /datasets/r/<id> is a file
        found = _ref(PortalKind.UDATA, origin + match["base"], match[2])
    elif match := CKAN_PAGE_RE.match(path):
        kind = PortalKind.UDATA if (parts.hostname or "").lower() in UDATA_HOSTS else PortalKind.CKAN
        found = _ref(kind, origin + match["base"], match[2])
    if found is None:
        raise FormErrors(
            {
                "url": _(
                    "This address is not a dataset page of a portal we know (udata such as data.gouv.fr, "
                    "CKAN, Opendatasoft). Paste the address of the dataset's page."
                )
            }
        )
    return found


def _ref(kind: PortalKind, base: str, identifier: str) -> PortalRef:
    identifier = unquote(identifier)
    return PortalRef(kind, base, identifier, _api_url(kind, base, identifier))


# --- reading each portal's answer ---------------------------------------------------------------


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _plain(description: str) -> str:
    """Opendatasoft descriptions are HTML: keep the text only."""
    with_breaks = re.sub(r"(?i)<br\s*/?>|</p>|</li>", "\n", description)
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()


def _formats(resources: list[dict]) -> list[str]:
    found = {r["format"] for r in resources if r.get("format")}
    return sorted(found)


def _web_url(value: Any) -> str:
    """An http(s) address from a portal, or '': a `javascript:` link must never reach a page."""
    url = _text(value, MAX_URL)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in url for c in "\r\n\t "):
        return ""
    return url


def _resource(identifier: Any, title: Any, fmt: Any, url: Any, filesize: Any = None) -> dict:
    return {
        "id": str(identifier or "")[:200],
        "title": _text(title, MAX_TITLE),
        "format": _text(fmt, 40).lower().lstrip("."),
        "url": _web_url(url),
        "filesize": filesize if isinstance(filesize, int) and not isinstance(filesize, bool) else None,
    }


def _unreadable() -> FetchError:
    return FetchError("not_dataset", _("The portal's answer does not describe a dataset."))


def read_udata(data: Any, ref: PortalRef) -> dict[str, Any]:
    item = _dict(data)
    remote_id = _text(item.get("id"), 200)
    if not remote_id or not _text(item.get("title"), MAX_TITLE):
        raise _unreadable()
    organisation = _dict(item.get("organization"))
    owner = _dict(item.get("owner"))
    publisher = _text(organisation.get("name"), MAX_PUBLISHER) or " ".join(
        p for p in (_text(owner.get("first_name"), 100), _text(owner.get("last_name"), 100)) if p
    )
    resources = [
        _resource(
            r.get("id"), r.get("title"), r.get("format"), r.get("latest") or r.get("url"), r.get("filesize")
        )
        for r in map(_dict, _list(item.get("resources")))
    ]
    licence_id = _text(item.get("license"), 200)
    return {
        "remote_id": remote_id,
        "display_id": _text(item.get("slug"), 200),
        "landing_url": _web_url(item.get("page"))
        or f"{ref.base_url}/datasets/{quote(_text(item.get('slug'), 200) or remote_id, safe='')}/",
        "api_url": _api_url(PortalKind.UDATA, ref.base_url, remote_id),
        "title": _text(item.get("title"), MAX_TITLE),
        "description": _text(item.get("description"), MAX_TEXT),
        "publisher": publisher,
        "licence": (licence_id, "", ""),
        "last_modified": _when(item.get("last_modified") or item.get("last_update")),
        "frequency": _text(item.get("frequency"), 100),
        "resources": resources,
    }


def read_ckan(data: Any, ref: PortalRef) -> dict[str, Any]:
    envelope = _dict(data)
    if envelope.get("success") is False:
        raise FetchError("not_found", _("The portal says this dataset does not exist."))
    item = _dict(envelope.get("result"))
    remote_id = _text(item.get("id"), 200)
    if not remote_id or not (_text(item.get("title"), MAX_TITLE) or _text(item.get("name"), MAX_TITLE)):
        raise _unreadable()
    name = _text(item.get("name"), 200)
    extras = {
        _text(e.get("key"), 100): e.get("value")
        for e in map(_dict, _list(item.get("extras")))
        if e.get("key")
    }
    frequency = ""
    for key in ("frequency", "accrual_periodicity", "update_frequency"):
        frequency = frequency or _text(extras.get(key) or item.get(key), 100)
    resources = [
        _resource(
            r.get("id"), r.get("name") or r.get("description"), r.get("format"), r.get("url"), r.get("size")
        )
        for r in map(_dict, _list(item.get("resources")))
    ]
    return {
        "remote_id": remote_id,
        "display_id": name,
        "landing_url": f"{ref.base_url}/dataset/{quote(name or remote_id, safe='')}",
        "api_url": _api_url(PortalKind.CKAN, ref.base_url, remote_id),
        "title": _text(item.get("title"), MAX_TITLE) or name,
        "description": _text(item.get("notes"), MAX_TEXT),
        "publisher": _text(_dict(item.get("organization")).get("title"), MAX_PUBLISHER)
        or _text(item.get("author"), MAX_PUBLISHER),
        "licence": (
            _text(item.get("license_id"), 200),
            _text(item.get("license_title"), MAX_LICENCE),
            _web_url(item.get("license_url")),
        ),
        "last_modified": _when(item.get("metadata_modified")),
        "frequency": frequency,
        "resources": resources,
    }


def read_opendatasoft(data: Any, ref: PortalRef) -> dict[str, Any]:
    item = _dict(data)
    if "dataset" in item and isinstance(item["dataset"], dict):  # Explore API v2.0
        item = item["dataset"]
    remote_id = _text(item.get("dataset_uid"), 200)
    dataset_id = _text(item.get("dataset_id"), 200)
    metas = _dict(_dict(item.get("metas")).get("default"))
    title = _text(metas.get("title"), MAX_TITLE) or dataset_id
    if not remote_id or not dataset_id or not title:
        raise _unreadable()
    version = "v2.0" if "/v2.0/" in ref.api_url else "v2.1"
    api_url = _api_url(PortalKind.OPENDATASOFT, ref.base_url, dataset_id, version)
    features = {f for f in _list(item.get("features")) if isinstance(f, str)}
    exports = ["csv", "json", "xlsx"] + (["geojson"] if "geo" in features else [])
    resources = [
        _resource(
            f"export-{fmt}", _("Export (%(format)s)", format=fmt.upper()), fmt, f"{api_url}/exports/{fmt}"
        )
        for fmt in exports
    ]
    resources += [
        _resource(a.get("id"), a.get("title"), (a.get("mimetype") or "").rsplit("/", 1)[-1], a.get("url"))
        for a in map(_dict, _list(item.get("attachments")))
    ]
    dcat = _dict(_dict(item.get("metas")).get("dcat"))
    return {
        "remote_id": remote_id,
        "display_id": dataset_id,
        "landing_url": f"{ref.base_url}/explore/dataset/{quote(dataset_id, safe='')}/",
        "api_url": api_url,
        "title": title,
        "description": _plain(_text(metas.get("description"), MAX_TEXT)),
        "publisher": _text(metas.get("publisher"), MAX_PUBLISHER),
        "licence": ("", _text(metas.get("license"), MAX_LICENCE), _web_url(metas.get("license_url"))),
        "last_modified": _when(metas.get("modified") or metas.get("data_processed")),
        "frequency": _text(dcat.get("accrualperiodicity"), 100),
        "resources": resources,
    }


READERS = {
    PortalKind.UDATA: read_udata,
    PortalKind.CKAN: read_ckan,
    PortalKind.OPENDATASOFT: read_opendatasoft,
}


def _apply(dataset: Dataset, ref: PortalRef, read: dict[str, Any], raw: Any) -> None:
    licence_id, licence_title, licence_url = read.pop("licence")
    spdx, title, url = licences.normalise(licence_id, licence_title, licence_url)
    resources = read["resources"]
    dataset.portal_kind = ref.kind
    dataset.portal_url = ref.base_url[:500]
    for name, value in read.items():
        setattr(dataset, name, value)
    dataset.licence_id = (licence_id or licence_title)[:200]
    dataset.licence_spdx = spdx
    dataset.licence_title = title[:300]
    dataset.licence_url = url[:1000]
    dataset.formats = _formats(resources)
    dataset.raw_metadata = raw
    dataset.fetched_at = datetime.now(UTC)
    dataset.status = DatasetStatus.OK
    dataset.last_error = ""


async def _fetch(ref: PortalRef, *, allow_private: bool) -> tuple[dict[str, Any], Any]:
    fetched = await fetch_json(ref.api_url, allow_private=allow_private)
    return READERS[ref.kind](fetched.data, ref), fetched.data


def _already_there(existing: Dataset) -> FormErrors:
    return FormErrors(
        {"url": _("This dataset is already in the catalogue as “%(title)s”.", title=existing.title)}
    )


async def import_dataset(*, event: Event, url: str, allow_private: bool = False) -> Dataset:
    """Add a portal's dataset to the event's catalogue. FormErrors({"url": ...}) says what went wrong."""
    ref = detect_portal(url)
    try:
        read, raw = await _fetch(ref, allow_private=allow_private)
    except FetchError as error:
        log.info("import into event %s failed: %s", event.id, error.reason)
        raise FormErrors({"url": error.message}) from None
    existing = await Dataset.get_or_none(event_id=event.id, portal_kind=ref.kind, remote_id=read["remote_id"])
    if existing is not None:
        raise _already_there(existing)
    dataset = Dataset(event=event, source_url=url.strip()[:MAX_URL], title=read["title"])
    _apply(dataset, ref, read, raw)
    try:
        # A transaction of its own: on PostgreSQL a refused insert must not spoil an outer one.
        async with in_transaction():
            await dataset.save()
    except IntegrityError:
        # Another import of the same dataset landed between the check above and this insert: the
        # unique constraint (event, portal kind, remote id) refused this one.
        existing = await Dataset.get_or_none(
            event_id=event.id, portal_kind=ref.kind, remote_id=read["remote_id"]
        )
        if existing is None:
            raise
        log.info("parallel import of dataset %s into event %s refused", existing.id, event.id)
        raise _already_there(existing) from None
    log.info("dataset %s imported into event %s from %s", dataset.id, event.id, ref.kind)
    return dataset


async def refresh_dataset(dataset: Dataset, *, allow_private: bool = False) -> Dataset:
    """Fetch a dataset's metadata again.

    Gone at the source (404/410): marked gone with the reason, kept. Any other failure keeps the
    metadata, records the reason in `last_error` and raises FetchError for the caller to report.
    """
    if dataset.portal_kind == PortalKind.MANUAL or not dataset.api_url:
        raise FetchError("manual", _("This dataset was entered by hand: there is nothing to refresh."))
    ref = detect_portal(dataset.api_url)
    try:
        read, raw = await _fetch(ref, allow_private=allow_private)
        if read["remote_id"] != dataset.remote_id:
            raise FetchError("other_dataset", _("The portal's address now leads to another dataset."))
    except FetchError as error:
        dataset.last_error = error.message[:500]
        if error.gone:
            dataset.status = DatasetStatus.GONE
            await dataset.save(update_fields=["status", "last_error", "updated_at"])
            log.info("dataset %s is gone at the source", dataset.id)
            return dataset
        await dataset.save(update_fields=["last_error", "updated_at"])
        raise
    _apply(dataset, ref, read, raw)
    await dataset.save()
    return dataset


# --- datasets entered by hand ---------------------------------------------------------------------


def _checked_manual_fields(
    *, title: str, publisher: str, licence: str, url: str, description: str
) -> dict[str, Any]:
    title, publisher, licence, url = title.strip(), publisher.strip(), licence.strip(), url.strip()
    errors: dict[str | None, str] = {}
    if not title or len(title) > MAX_TITLE:
        errors["title"] = _("Enter a title of at most %(n)s characters.", n=MAX_TITLE)
    if len(publisher) > MAX_PUBLISHER:
        errors["publisher"] = _("Enter at most %(n)s characters.", n=MAX_PUBLISHER)
    if len(licence) > MAX_LICENCE:
        errors["licence"] = _("Enter at most %(n)s characters.", n=MAX_LICENCE)
    if url:
        parts = urlsplit(url)
        if len(url) > MAX_URL or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            errors["url"] = _("Enter an address that starts with http:// or https://.")
        elif any(ch in url for ch in "\r\n\t\x00 "):
            errors["url"] = _("This address is not valid.")
    if len(description) > MAX_TEXT:
        errors["description"] = _("Enter at most %(n)s characters.", n=MAX_TEXT)
    if errors:
        raise FormErrors(errors)
    spdx, licence_title, licence_url = licences.normalise(licence, licence)
    return {
        "title": title,
        "publisher": publisher,
        "licence_id": licence[:200],
        "licence_spdx": spdx,
        "licence_title": licence_title,
        "licence_url": licence_url,
        "landing_url": url,
        "source_url": url,
        "description": description.strip(),
    }


async def create_manual_dataset(
    *, event: Event, title: str, publisher: str, licence: str, url: str, description: str
) -> Dataset:
    fields = _checked_manual_fields(
        title=title, publisher=publisher, licence=licence, url=url, description=description
    )
    dataset = await Dataset.create(event=event, portal_kind=PortalKind.MANUAL, **fields)
    log.info("dataset %s entered by hand in event %s", dataset.id, event.id)
    return dataset


async def update_manual_dataset(
    *, dataset: Dataset, title: str, publisher: str, licence: str, url: str, description: str
) -> Dataset:
    """Edit a dataset entered by hand (an imported one takes its metadata from the portal)."""
    if dataset.portal_kind != PortalKind.MANUAL:
        raise FormErrors({None: _("This dataset comes from a portal: refresh it to update its metadata.")})
    fields = _checked_manual_fields(
        title=title, publisher=publisher, licence=licence, url=url, description=description
    )
    for name, value in fields.items():
        setattr(dataset, name, value)
    await dataset.save()
    return dataset


async def set_restriction(*, dataset: Dataset, restricted: bool, terms: str) -> Dataset:
    """Restricted data: teams accept its terms before they see its download links."""
    terms = terms.strip()
    if restricted and not terms:
        raise FormErrors({"terms": _("Write the terms that teams accept before they get the data.")})
    if len(terms) > MAX_TEXT:
        raise FormErrors({"terms": _("Enter at most %(n)s characters.", n=MAX_TEXT)})
    dataset.restricted = restricted
    dataset.restricted_terms = terms
    await dataset.save(update_fields=["restricted", "restricted_terms", "updated_at"])
    return dataset


# --- what readers see -----------------------------------------------------------------------------


def portal_host(dataset: Dataset) -> str:
    for address in (dataset.portal_url, dataset.landing_url, dataset.source_url):
        host = urlsplit(address).hostname if address else None
        if host:
            return host.removeprefix("www.")
    return ""


def attribution_line(dataset: Dataset, version: datetime | None = None) -> str:
    """The credit that Licence Ouverte asks for: source, where it was downloaded, date of last update.

    "Ville de Paris – données téléchargées sur opendata.paris.fr, mise à jour du 14 février 2017".
    A restricted dataset's line never names where it is downloaded from: the line is shown to
    everyone, and its addresses only to the teams that accepted its terms.
    `version` is the update an entry declared using (`EntryDataset.declared_version`): an entry
    credits that one, not the dataset's latest refresh.
    """
    host = "" if dataset.restricted else portal_host(dataset)
    publisher = dataset.publisher or host
    if not publisher:
        return ""
    when = version or dataset.last_modified or dataset.fetched_at
    day = format_day(when, "UTC") if when else ""
    if host and day:
        return _(
            "%(publisher)s – data downloaded from %(portal)s, last updated on %(date)s",
            publisher=publisher,
            portal=host,
            date=day,
        )
    if host:
        return _("%(publisher)s – data downloaded from %(portal)s", publisher=publisher, portal=host)
    if day:
        return _("%(publisher)s – last updated on %(date)s", publisher=publisher, date=day)
    return publisher


def share_alike_warning(dataset: Dataset) -> str:
    """What a team must know before publishing a database derived from share-alike data."""
    if dataset.licence_spdx == "ODbL-1.0":
        return _(
            "ODbL: if you publish a database derived from this data, you must publish it under the ODbL "
            "too and credit the source."
        )
    if licences.is_share_alike(dataset.licence_spdx):
        return _("Share-alike licence: what you publish from this data must use the same licence.")
    return ""
