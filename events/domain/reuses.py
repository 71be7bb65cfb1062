"""Reuses for open-data portals: a public entry described in udata's reuse schema, and its publication.

docs/DOMAIN.md, "Reuses on open-data portals". An entry becomes a reuse of the data it used: the
record below is what a udata portal (data.gouv.fr and the others) takes at `POST /api/1/reuses/`, and
organisers either copy it or publish it from here with their API key.

Rules kept here:
- Only a public entry has a record: one the public gallery shows now, or one that won an award of a
  published jury session. Anything else (a draft, an application, an entry of a gallery not open yet)
  has none: the pages answer 404.
- The record holds udata's writable fields: `title`, `description` (Markdown, required, at most
  100,000 characters), `type` (one of `REUSE_TYPES`, "application" by default: a prototype),
  `topic` (one of `REUSE_TOPICS`, required by udata, "others" by default), `url` (required, unique on
  the portal), `tags` (udata's slugs, 3 to 96 characters: "hackcity", the event's slug, the
  challenge's slug) and `datasets` (`{"class": "Dataset", "id": …}` by the portal's own ids). The image
  is not part of it: udata takes it apart, at `POST /api/1/reuses/{id}/image/`.
- A reuse is made for one udata portal: only the datasets imported from that portal (and neither
  restricted nor gone from it) are linked by their ids. The others (CKAN, Opendatasoft, entered by
  hand, another udata portal, gone) cannot be linked: they are listed in the description (a
  restricted one without its address), and the page tells the organiser why each is not linked.
- `url` is, by default, the entry's page here when the gallery shows it (a stable address that
  credits the data), else the team's demonstration, else its source code; the organiser may choose.
- Publishing stores the organisers' API key for the event and that portal, sealed with the app's key
  (`events.domain.sealing`); it is never shown again, only its last four characters. The portal's
  answer is kept (`PortalReuse`: its id, slug and page), so publishing again updates that reuse
  (`PUT /api/1/reuses/{id}/`) instead of making another. A 401 forgets the stored key.
- Every refusal of the portal (bad key, validation, its own failures, an address the server does not
  reach) becomes a message for the organiser; nothing they chose is lost.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from events.domain import gallery, sealing
from events.domain.awards import award_title
from events.domain.errors import FormErrors
from events.domain.fetching import FetchError, checked_addresses, parse_url
from events.domain.links import is_web_url
from events.domain.portal_requests import PortalAnswer, Upload, send
from events.i18n import _, lazy, pgettext
from events.models import (
    Award,
    Dataset,
    DatasetStatus,
    Entry,
    EntryDataset,
    EntryFile,
    EntryStatus,
    Event,
    PortalKey,
    PortalKind,
    PortalReuse,
    SessionStatus,
    User,
)
from events.storage import Storage

log = logging.getLogger("hackcity.reuses")

# udata's reuse types and topics (its `REUSE_TYPES` and `REUSE_TOPICS`), with our words for them.
REUSE_TYPES = ("api", "application", "idea", "news_article", "paper", "post", "visualization", "hardware")
REUSE_TOPICS: dict[str, str] = {
    "health": lazy("Health"),
    "transport_and_mobility": lazy("Transport and mobility"),
    "housing_and_development": lazy("Housing and development"),
    "food_and_agriculture": lazy("Food and agriculture"),
    "culture_and_recreation": lazy("Culture and recreation"),
    "economy_and_business": lazy("Economy and business"),
    "environment_and_energy": lazy("Environment and energy"),
    "work_and_training": lazy("Work and training"),
    "politics_and_public_life": lazy("Politics and public life"),
    "safety_and_security": lazy("Safety and security"),
    "education_and_research": lazy("Education and research"),
    "society_and_demography": lazy("Society and demography"),
    "law_and_justice": lazy("Law and justice"),
    "open_data_tools": lazy("Open data tools"),
    "others": lazy("Others"),
}


def type_choices() -> list[tuple[str, str]]:
    """The reuse types in the reader's language ("application" is a piece of software here, not the
    application to a programme that the catalogue's plain "Application" means)."""
    return [
        ("api", pgettext("reuse type", "API")),
        ("application", pgettext("reuse type", "Application")),
        ("idea", pgettext("reuse type", "Idea")),
        ("news_article", pgettext("reuse type", "News article")),
        ("paper", pgettext("reuse type", "Paper")),
        ("post", pgettext("reuse type", "Post")),
        ("visualization", pgettext("reuse type", "Visualisation")),
        ("hardware", pgettext("reuse type", "Connected device")),
    ]


DEFAULT_TYPE = "application"
DEFAULT_TOPIC = "others"
# Which address the reuse points to, in the order of preference.
ADDRESSES: dict[str, str] = {
    "entry": lazy("The entry's page on this site"),
    "demo": lazy("The team's demonstration"),
    "repository": lazy("The source code"),
}
TAG = "hackcity"
TAG_MIN, TAG_MAX = 3, 96  # udata's TAG_MIN_LENGTH and TAG_MAX_LENGTH
MAX_TITLE = 350
MAX_DESCRIPTION = 100_000
MAX_KEY = 2000
MAX_PORTAL_URL = 500
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg")
# How long a publication in progress keeps others out; after that, a crashed one is forgotten.
CLAIM_TIMEOUT = timedelta(minutes=2)
_PATH_TAIL = re.compile(r"/(?:api|datasets|reuses)(?:/.*)?$|/[a-z]{2}(?:[-_][A-Za-z]{2})?$")


# --- which entries have a record ---------------------------------------------------------------------


@dataclass
class Standing:
    """Why an entry is public: the gallery shows it, or a published jury session awarded it."""

    in_gallery: bool
    awards: list[Award] = field(default_factory=list)  # each with `.session`

    @property
    def public(self) -> bool:
        return self.in_gallery or bool(self.awards)


async def standing(*, event: Event, entry: Entry, now: datetime | None = None) -> Standing:
    stage = await gallery.last_round(event)
    in_gallery = (
        gallery.is_public(event, stage, now or datetime.now(UTC))
        and stage is not None
        and entry.round_id == stage.id
        and entry.status == EntryStatus.SUBMITTED
    )
    awards = (
        await Award.filter(entry_id=entry.id, session__status=SessionStatus.PUBLISHED)
        .select_related("session")
        .order_by("session__published_at", "position", "id")
    )
    return Standing(in_gallery, list(awards))


async def public_entry(*, event: Event, entry_id: int) -> tuple[Entry, Standing] | None:
    """The entry of this event, if it is public (the gallery's or awarded); None otherwise."""
    entry = await Entry.get_or_none(id=entry_id, event_id=event.id).select_related(
        "team", "round", "challenge"
    )
    if entry is None:
        return None
    found = await standing(event=event, entry=entry)
    return (entry, found) if found.public else None


@dataclass
class ReusableEntry:
    entry: Entry
    in_gallery: bool
    awards: list[Award]
    reuses: list[PortalReuse]  # published ones


async def public_entries(event: Event, now: datetime | None = None) -> list[ReusableEntry]:
    """Every entry of the event that may become a reuse, with its published reuses."""
    stage = await gallery.last_round(event)
    gallery_ids: set[int] = set()
    if stage is not None and gallery.is_public(event, stage, now or datetime.now(UTC)):
        gallery_ids = set(
            await Entry.filter(
                event_id=event.id, round_id=stage.id, status=EntryStatus.SUBMITTED
            ).values_list("id", flat=True)
        )
    awards = (
        await Award.filter(session__event_id=event.id, session__status=SessionStatus.PUBLISHED)
        .select_related("session")
        .order_by("session__published_at", "position", "id")
    )
    ids = gallery_ids | {award.entry_id for award in awards}
    entries = await Entry.filter(id__in=list(ids)).select_related("team", "challenge").order_by("title", "id")
    reuses = await PortalReuse.filter(entry_id__in=list(ids)).exclude(remote_id="").order_by("id")
    return [
        ReusableEntry(
            entry=entry,
            in_gallery=entry.id in gallery_ids,
            awards=[a for a in awards if a.entry_id == entry.id],
            reuses=[r for r in reuses if r.entry_id == entry.id],
        )
        for entry in entries
    ]


# --- portals ---------------------------------------------------------------------------------------


def portal_base(raw: str) -> str:
    """A udata portal's base address from what an organiser typed (a home page, an API address, a
    dataset page): `scheme://host[:port][/prefix]`. FormErrors on "portal" when it is not one."""
    text = raw.strip()
    if not text:
        raise FormErrors({"portal": _("Enter the address of the portal.")})
    if len(text) > MAX_PORTAL_URL:
        raise FormErrors({"portal": _("This address is too long.")})
    try:
        url = parse_url(text)
    except FetchError as error:
        raise FormErrors({"portal": error.message}) from None
    path = url.path.rstrip("/")
    while (shorter := _PATH_TAIL.sub("", path)) != path:
        path = shorter
    return f"{url.scheme}://{url.netloc.decode('ascii')}{path}"


def _identity(base: str) -> tuple[str, str]:
    """What names a portal whatever its scheme or a leading www.: host (and port), then path."""
    parts = httpx.URL(base)
    host = parts.host.removeprefix("www.")
    port = f":{parts.port}" if parts.port else ""
    return host + port, parts.path.rstrip("/")


def same_portal(first: str, second: str) -> bool:
    try:
        return _identity(first) == _identity(second)
    except (httpx.InvalidURL, ValueError, TypeError):
        return False


def portal_host(base: str) -> str:
    try:
        return httpx.URL(base).host.removeprefix("www.")
    except (httpx.InvalidURL, ValueError, TypeError):
        return base


def _is_udata(dataset: Dataset) -> bool:
    return dataset.portal_kind == PortalKind.UDATA and bool(dataset.remote_id) and bool(dataset.portal_url)


def udata_portals(datasets: list[Dataset]) -> list[str]:
    """The udata portals these datasets come from, the one with the most datasets first."""
    counted: list[tuple[str, int]] = []
    for dataset in datasets:
        if not _is_udata(dataset) or dataset.restricted or dataset.status == DatasetStatus.GONE:
            continue
        base = dataset.portal_url.rstrip("/")
        for index, (known, count) in enumerate(counted):
            if same_portal(known, base):
                counted[index] = (known, count + 1)
                break
        else:
            counted.append((base, 1))
    return [base for base, _count in sorted(counted, key=lambda item: -item[1])]


# --- the record ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    portal: str
    type: str = DEFAULT_TYPE
    topic: str = DEFAULT_TOPIC
    address: str = ""  # a key of ADDRESSES, or "" for the first one the entry has
    image: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "portal": self.portal,
            "type": self.type,
            "topic": self.topic,
            "address": self.address,
            "image": self.image,
        }


@dataclass
class DatasetLine:
    """A dataset the entry declared, and whether the reuse links it on the portal."""

    dataset: Dataset
    linked: bool
    reason: str = ""  # why not, for the organiser


@dataclass
class ReuseRecord:
    entry: Entry
    standing: Standing
    choices: Choices
    payload: dict[str, Any]
    datasets: list[DatasetLine]
    portals: list[str]
    addresses: dict[str, str]  # choice → address, for the ones this entry has
    images: list[EntryFile]
    image: EntryFile | None
    reuse: PortalReuse | None  # the one published on the chosen portal, if any
    problems: list[str]  # what stops the publication

    @property
    def json(self) -> str:
        return json.dumps(self.payload, ensure_ascii=False, indent=2)

    @property
    def linked(self) -> list[Dataset]:
        return [line.dataset for line in self.datasets if line.linked]


def _slug(value: str) -> str:
    """A tag as udata writes it (python-slugify of the lowered text): ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", value.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def tags_for(entry: Entry, event: Event) -> list[str]:
    tags: list[str] = []
    for raw in (TAG, event.slug, entry.challenge.slug):
        tag = _slug(raw)[:TAG_MAX].strip("-")
        if len(tag) >= TAG_MIN and tag not in tags:
            tags.append(tag)
    return tags


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def _md(text: str) -> str:
    """Text that Markdown shows as it is (its punctuation escaped), on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def entry_address(entry: Entry, event: Event, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/events/{event.slug}/entries/{entry.id}"


def _addresses(entry: Entry, event: Event, standing: Standing, base_url: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if standing.in_gallery:  # the entry's page is public only while the gallery shows it
        found["entry"] = entry_address(entry, event, base_url)
    if is_web_url(entry.demo_url):
        found["demo"] = entry.demo_url
    if is_web_url(entry.repository_url):
        found["repository"] = entry.repository_url
    return found


def _not_linked(dataset: Dataset, portal: str) -> str:
    if dataset.restricted:
        return _("Restricted: listed in the description without its address.")
    if dataset.portal_kind == PortalKind.MANUAL:
        return _("Entered by hand: it has no id on a portal. Listed in the description.")
    if dataset.portal_kind == PortalKind.CKAN:
        return _("From a CKAN portal, which udata cannot link. Listed in the description.")
    if dataset.portal_kind == PortalKind.OPENDATASOFT:
        return _("From an Opendatasoft portal, which udata cannot link. Listed in the description.")
    if dataset.status == DatasetStatus.GONE:
        return _("Gone from its portal. Listed in the description.")
    if not portal:
        return _("Choose a portal to link it.")
    return _(
        "From another udata portal (%(host)s). Listed in the description.",
        host=portal_host(dataset.portal_url),
    )


def _dataset_lines(links: list[EntryDataset], portal: str) -> list[DatasetLine]:
    lines = []
    for link in links:
        dataset = link.dataset
        linked = (
            bool(portal)
            and _is_udata(dataset)
            and not dataset.restricted
            and dataset.status != DatasetStatus.GONE
            and same_portal(dataset.portal_url, portal)
        )
        lines.append(DatasetLine(dataset, linked, "" if linked else _not_linked(dataset, portal)))
    return lines


def _description(
    *,
    entry: Entry,
    event: Event,
    standing: Standing,
    lines: list[DatasetLine],
    base_url: str,
) -> str:
    event_link = f"[{_md(event.title)}]({base_url.rstrip('/')}/events/{event.slug})"
    credits = [
        _(
            "Made at %(event)s by the team %(team)s, for the challenge “%(challenge)s”.",
            event=event_link,
            team=_md(entry.team.name),
            challenge=_md(entry.challenge.title),
        )
    ]
    for award in standing.awards:
        credits.append(
            _(
                "Award: %(title)s (%(session)s).",
                title=_md(award_title(award.title)),
                session=_md(award.session.name),
            )
        )
    if is_web_url(entry.demo_url):
        credits.append(_("Demonstration: %(url)s", url=f"<{entry.demo_url}>"))
    if is_web_url(entry.repository_url):
        credits.append(_("Source code: %(url)s", url=f"<{entry.repository_url}>"))
    if is_web_url(entry.video_url):
        credits.append(_("Video: %(url)s", url=f"<{entry.video_url}>"))
    others = [line.dataset for line in lines if not line.linked]
    if others:
        credits.append(_("Other data used:"))
        for dataset in others:
            text = f"- {_md(dataset.title)}"
            if dataset.publisher:
                text += f" ({_md(dataset.publisher)})"
            if not dataset.restricted and is_web_url(dataset.landing_url):
                text += f" <{dataset.landing_url}>"
            credits.append(text)
    footer = "\n\n".join(credits)
    head = "\n\n".join(part.strip() for part in (entry.summary, entry.description) if part.strip())
    room = MAX_DESCRIPTION - len(footer) - 10
    if len(head) > room:
        head = head[: max(room - 1, 0)].rstrip() + "…"
    return f"{head}\n\n---\n\n{footer}" if head else footer


def _read_choices(
    values: Mapping[str, str], *, portal: str, stored: dict[str, Any] | None, strict: bool
) -> Choices:
    """The organiser's choices from a form (a submitted one carries `choose`), else the ones of the
    last publication on this portal, else the defaults. Strict (publishing): an unknown value is an
    error; otherwise (the page's preview) it falls back to the default."""
    if "choose" not in values and stored:
        values = {key: str(value) for key, value in stored.items() if key != "image"} | (
            {"image": "on"} if stored.get("image", True) else {}
        )
    elif "choose" not in values:
        return Choices(portal=portal)
    errors: dict[str | None, str] = {}
    kind = values.get("type", DEFAULT_TYPE)
    if kind not in REUSE_TYPES:
        errors["type"] = _("Choose a type of reuse from the list.")
        kind = DEFAULT_TYPE
    topic = values.get("topic", DEFAULT_TOPIC)
    if topic not in REUSE_TOPICS:
        errors["topic"] = _("Choose a topic from the list.")
        topic = DEFAULT_TOPIC
    address = values.get("address", "")
    if address and address not in ADDRESSES:
        errors["address"] = _("Choose an address from the list.")
        address = ""
    if errors and strict:
        raise FormErrors(errors)
    return Choices(portal=portal, type=kind, topic=topic, address=address, image=values.get("image") == "on")


async def build_record(
    *,
    event: Event,
    entry: Entry,
    standing: Standing,
    values: Mapping[str, str],
    base_url: str,
    strict: bool = False,
) -> ReuseRecord:
    """The reuse record of a public entry for one portal (the one in `values`, else the udata portal
    most of its datasets come from), with the organiser's choices."""
    links = await EntryDataset.filter(entry_id=entry.id).select_related("dataset").order_by("dataset__title")
    portals = udata_portals([link.dataset for link in links])
    typed = values.get("portal", "").strip()
    if typed:
        try:
            portal = portal_base(typed)
        except FormErrors:
            if strict:
                raise
            portal = portals[0] if portals else ""
    else:
        if strict:
            raise FormErrors({"portal": _("Enter the address of the portal.")})
        portal = portals[0] if portals else ""
    reuse = None
    if portal:
        reuse = next(
            (
                r
                for r in await PortalReuse.filter(entry_id=entry.id).select_related("published_by")
                if same_portal(r.portal_url, portal)
            ),
            None,
        )
    choices = _read_choices(values, portal=portal, stored=reuse.choices if reuse else None, strict=strict)
    lines = _dataset_lines(list(links), portal)
    addresses = _addresses(entry, event, standing, base_url)
    if strict and choices.address and choices.address not in addresses:
        raise FormErrors({"address": _("This entry has no such address: choose another one.")})
    # In the preview, an address the entry no longer has (a gallery closed since) gives way to the next.
    address_choice = choices.address if choices.address in addresses else next(iter(addresses), "")
    problems = []
    if not addresses:
        problems.append(
            _(
                "This entry has no public address: the gallery does not show it, and the team gave no "
                "demonstration or source code link. A reuse needs one."
            )
        )
    images = [
        f for f in await EntryFile.filter(entry_id=entry.id).order_by("id") if f.content_type in IMAGE_TYPES
    ]
    payload = {
        "title": " ".join(entry.title.split())[:MAX_TITLE],
        "description": _description(
            entry=entry, event=event, standing=standing, lines=lines, base_url=base_url
        ),
        "type": choices.type,
        "topic": choices.topic,
        "url": addresses.get(address_choice, ""),
        "tags": tags_for(entry, event),
        "datasets": [{"class": "Dataset", "id": line.dataset.remote_id} for line in lines if line.linked],
    }
    return ReuseRecord(
        entry=entry,
        standing=standing,
        choices=Choices(
            portal=portal,
            type=choices.type,
            topic=choices.topic,
            address=address_choice,
            image=choices.image and bool(images),
        ),
        payload=payload,
        datasets=lines,
        portals=portals,
        addresses=addresses,
        images=images,
        image=images[0] if images and choices.image else None,
        reuse=reuse if reuse and reuse.remote_id else None,
        problems=problems,
    )


# --- the organisers' API keys ------------------------------------------------------------------------


@dataclass
class KeyStatus:
    key: PortalKey
    readable: bool


async def stored_key(*, event: Event, portal: str, secret_key: str) -> KeyStatus | None:
    """The key stored for this event and portal, and whether the app can still read it."""
    if not portal:
        return None
    for key in await PortalKey.filter(event_id=event.id).select_related("stored_by"):
        if same_portal(key.portal_url, portal):
            readable = (
                sealing.unseal(key.sealed_key, secret_key=secret_key, purpose=sealing.PORTAL_KEYS) is not None
            )
            return KeyStatus(key, readable)
    return None


async def event_keys(*, event: Event, secret_key: str) -> list[KeyStatus]:
    keys = await PortalKey.filter(event_id=event.id).select_related("stored_by").order_by("portal_url", "id")
    return [
        KeyStatus(
            k, sealing.unseal(k.sealed_key, secret_key=secret_key, purpose=sealing.PORTAL_KEYS) is not None
        )
        for k in keys
    ]


def _clean_key(raw: str) -> str:
    key = raw.strip()
    if len(key) > MAX_KEY or any(not ("!" <= char <= "~") for char in key):
        raise FormErrors({"api_key": _("This is not an API key: paste the key the portal gave you.")})
    return key


async def _store_key(*, event: Event, portal: str, key: str, user: User | None, secret_key: str) -> None:
    sealed = sealing.seal(key, secret_key=secret_key, purpose=sealing.PORTAL_KEYS)
    existing = await stored_key(event=event, portal=portal, secret_key=secret_key)
    if existing is not None:
        existing.key.sealed_key = sealed
        existing.key.last_chars = key[-4:]
        existing.key.stored_by_id = user.id if user else None
        await existing.key.save(update_fields=["sealed_key", "last_chars", "stored_by_id", "updated_at"])
        return
    try:
        await PortalKey.create(
            event_id=event.id,
            portal_url=portal,
            sealed_key=sealed,
            last_chars=key[-4:],
            stored_by_id=user.id if user else None,
        )
    except IntegrityError:  # stored by another organiser at the same moment: theirs and ours are equal
        await PortalKey.filter(event_id=event.id, portal_url=portal).update(
            sealed_key=sealed, last_chars=key[-4:], stored_by_id=user.id if user else None
        )
    log.info("API key stored for event %s and portal %r", event.id, portal[:200])


async def forget_key(*, event: Event, portal: str) -> str:
    """Forget the key stored for this event and portal; the portal's host, for the message."""
    text = portal.strip()
    if not text:
        raise FormErrors({"portal": _("Choose the portal whose key to forget.")})
    deleted = 0
    for key in await PortalKey.filter(event_id=event.id):
        if key.portal_url == text or same_portal(key.portal_url, text):
            deleted += await PortalKey.filter(id=key.id).delete()
    if not deleted:
        raise FormErrors({"portal": _("No key is stored for this portal.")})
    log.info("API key forgotten for event %s and portal %r", event.id, text[:200])
    return portal_host(text)


async def _key_for(*, event: Event, portal: str, typed: str, user: User | None, secret_key: str) -> str:
    """The key to publish with: the one typed now (then stored, sealed), else the stored one."""
    key = _clean_key(typed)
    if key:
        await _store_key(event=event, portal=portal, key=key, user=user, secret_key=secret_key)
        return key
    status = await stored_key(event=event, portal=portal, secret_key=secret_key)
    if status is None:
        raise FormErrors({"api_key": _("Enter your API key for this portal.")})
    opened = sealing.unseal(status.key.sealed_key, secret_key=secret_key, purpose=sealing.PORTAL_KEYS)
    if opened is None:
        raise FormErrors(
            {
                "api_key": _(
                    "The stored key can no longer be read (the server's secret key has changed): "
                    "enter the API key again."
                )
            }
        )
    return opened


# --- publishing ------------------------------------------------------------------------------------


@dataclass
class Published:
    reuse: PortalReuse
    created: bool  # a new reuse on the portal (else an update)
    image_warning: str = ""


def _portal_errors(data: Any) -> str:
    """udata's validation answer ({"errors": {field: message}, "message": …}) as one line."""
    if not isinstance(data, dict):
        return ""
    errors = data.get("errors")
    if isinstance(errors, dict) and errors:
        parts = []
        for name, message in list(errors.items())[:10]:
            text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
            parts.append(f"{str(name)[:50]}: {text[:300]}")
        return "; ".join(parts)
    message = data.get("message")
    return message[:500] if isinstance(message, str) else ""


def _refusal(answer: PortalAnswer) -> FormErrors:
    status = answer.status
    detail = _portal_errors(answer.data)
    if status in (301, 302, 303, 307, 308):
        where = answer.location[:300]
        return FormErrors(
            {
                "portal": _(
                    "The portal answers from another address (%(location)s): enter that address.",
                    location=where or "?",
                )
            }
        )
    if status == 401:
        message = (
            _("The portal refused the API key (HTTP 401: %(reason)s). Enter a valid key.", reason=detail)
            if detail
            else _("The portal refused the API key (HTTP 401). Enter a valid key.")
        )
        return FormErrors({"api_key": message})
    if status == 403:
        return FormErrors(
            {
                "api_key": _(
                    "The portal says this key may not change this reuse (HTTP 403): use the key of the "
                    "account that published it."
                )
            }
        )
    if status == 400:
        return FormErrors(
            {
                None: _("The portal refused the reuse: %(errors)s", errors=detail)
                if detail
                else _("The portal refused the reuse (HTTP 400).")
            }
        )
    if status == 404:
        return FormErrors(
            {"portal": _("There is no udata API at this address (HTTP 404): check the portal's address.")}
        )
    if status >= 500:
        return FormErrors(
            {
                None: _(
                    "The portal has a problem of its own (HTTP %(status)s). Try again later.", status=status
                )
            }
        )
    return FormErrors({None: _("The portal answered with an error (HTTP %(status)s).", status=status)})


def _fetch_refusal(error: FetchError) -> FormErrors:
    about_address = error.reason in ("invalid_url", "bad_scheme", "forbidden_address", "unresolved")
    return FormErrors({"portal" if about_address else None: error.message})


async def _claim(entry: Entry, portal: str) -> PortalReuse:
    """The entry's reuse row for this portal, marked as being published (or FormErrors if it is)."""
    row = next(
        (r for r in await PortalReuse.filter(entry_id=entry.id) if same_portal(r.portal_url, portal)), None
    )
    if row is None:
        try:
            row = await PortalReuse.create(entry_id=entry.id, portal_url=portal)
        except IntegrityError:
            row = await PortalReuse.get(entry_id=entry.id, portal_url=portal)
    now = datetime.now(UTC)
    claimed = (
        await PortalReuse.filter(id=row.id)
        .filter(Q(publishing_since__isnull=True) | Q(publishing_since__lt=now - CLAIM_TIMEOUT))
        .update(publishing_since=now)
    )
    if not claimed:
        raise FormErrors(
            {None: _("This entry is being published to this portal right now: wait a moment, then reload.")}
        )
    await row.refresh_from_db()
    return row


async def _image_upload(image: EntryFile, storage: Storage) -> Upload | None:
    if image.size > MAX_IMAGE_BYTES:
        return None
    content = bytearray()
    async for chunk in storage.open(image.storage_key):
        content.extend(chunk)
        if len(content) > MAX_IMAGE_BYTES:
            return None
    return Upload("file", image.original_name or "image", bytes(content), image.content_type)


async def publish(
    *,
    event: Event,
    entry: Entry,
    standing: Standing,
    values: Mapping[str, str],
    user: User | None,
    base_url: str,
    secret_key: str,
    storage: Storage,
    allow_private: bool = False,
) -> Published:
    """Publish the entry's record to the portal in `values` (creating the reuse there, or updating the
    one published before), with the API key typed now or the one stored for the event and portal."""
    portal = portal_base(values.get("portal", ""))
    try:  # an address the server never reaches is refused before anything else, the key included
        await checked_addresses(parse_url(portal), allow_private=allow_private)
    except FetchError as error:
        raise _fetch_refusal(error) from None
    record = await build_record(
        event=event, entry=entry, standing=standing, values=values, base_url=base_url, strict=True
    )
    if record.problems:
        raise FormErrors({None: record.problems[0]})
    if not record.linked:
        raise FormErrors(
            {
                "portal": _(
                    "None of this entry's datasets can be linked on this portal: udata hides a reuse "
                    "without datasets. Choose the portal its datasets come from."
                )
            }
        )
    key = await _key_for(
        event=event, portal=portal, typed=values.get("api_key", ""), user=user, secret_key=secret_key
    )
    row = await _claim(entry, portal)
    headers = {"X-API-KEY": key}
    api = f"{portal}/api/1/reuses/"
    try:
        created = not row.remote_id
        try:
            if row.remote_id:
                answer = await send(
                    "PUT",
                    f"{api}{row.remote_id}/",
                    headers=headers,
                    json_body=record.payload,
                    allow_private=allow_private,
                )
                if answer.status in (404, 410):  # deleted on the portal meanwhile: publish it anew
                    created = True
                    answer = await send(
                        "POST", api, headers=headers, json_body=record.payload, allow_private=allow_private
                    )
            else:
                answer = await send(
                    "POST", api, headers=headers, json_body=record.payload, allow_private=allow_private
                )
        except FetchError as error:
            raise _fetch_refusal(error) from None
        if answer.status == 401:  # a key the portal refuses is no use: it is forgotten
            status = await stored_key(event=event, portal=portal, secret_key=secret_key)
            if status is not None:
                await status.key.delete()
        if answer.status not in (200, 201):
            raise _refusal(answer)
        data = answer.data if isinstance(answer.data, dict) else {}
        remote_id = str(data.get("id") or "")[:100]
        if not remote_id:
            raise FormErrors({None: _("The portal's answer does not describe a reuse.")})
        slug = str(data.get("slug") or "")[:255]
        page = data.get("page")
        page_url = page if is_web_url(page) and len(page) <= 1000 else f"{portal}/reuses/{slug or remote_id}/"
        warning = ""
        if record.image is not None:
            warning = await _send_image(
                record.image, storage, f"{api}{remote_id}/image/", headers, allow_private
            )
        now = datetime.now(UTC)
        row.remote_id = remote_id
        row.slug = slug
        row.page_url = page_url
        row.choices = record.choices.as_dict()
        row.dataset_ids = [dataset.id for dataset in record.linked]
        row.sent = record.payload
        row.published_by_id = user.id if user else None
        if created or row.published_at is None:
            row.published_at = now
        row.updated_at = now
        row.publishing_since = None
        await row.save()
    finally:
        await PortalReuse.filter(id=row.id).update(publishing_since=None)
    log.info(
        "entry %s %s as reuse %r on %r", entry.id, "published" if created else "updated", remote_id, portal
    )
    return Published(row, created, warning)


async def _send_image(
    image: EntryFile, storage: Storage, url: str, headers: dict[str, str], allow_private: bool
) -> str:
    """Send the entry's image to the portal; a warning for the organiser when it did not go."""
    upload = await _image_upload(image, storage)
    if upload is None:
        return _("The image was not sent: it is larger than 5 MB.")
    try:
        answer = await send("POST", url, headers=headers, upload=upload, allow_private=allow_private)
    except FetchError as error:
        return _("The image was not sent: %(reason)s", reason=error.message)
    if answer.status not in (200, 201):
        return _("The image was not sent: the portal answered HTTP %(status)s.", status=answer.status)
    return ""


# --- what the dataset pages show ---------------------------------------------------------------------


@dataclass
class DatasetReuse:
    reuse: PortalReuse  # with `.entry`
    host: str


async def reuses_of(dataset: Dataset) -> list[DatasetReuse]:
    """The reuses published on a portal that link this dataset, oldest first."""
    found = (
        await PortalReuse.filter(entry__event_id=dataset.event_id)
        .exclude(remote_id="")
        .select_related("entry")
        .order_by("published_at", "id")
    )
    return [DatasetReuse(r, portal_host(r.portal_url)) for r in found if dataset.id in (r.dataset_ids or [])]
