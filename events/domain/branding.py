"""The instance's identity and the images of events and challenges.

- **Settings** (admins): a name, a logo, a main and an accent colour, footer links. A colour is
  accepted only when text in it, and white text on it, reach the WCAG AA ratio of 4.5:1 against the
  backgrounds the stylesheet uses it with (white and the soft grey of alerts): the refusal says the
  ratio measured and the one needed. Every page reads the settings, so each process keeps them
  (`BrandingCache`): re-read at most every `CACHE_SECONDS`, and at once in the process that saved
  them. Other processes see a change within that delay.
- **Images**: an event's cover, its sponsors' and partners' logos (name, link, kind, order), a
  challenge's illustration and the instance's logo. Every one is re-encoded first
  (`events.domain.images`), then stored through the uploads' storage, then its row is written; the
  bytes of a replaced or removed image are deleted after its row is gone (a crash in between leaves
  a file no row names, which `sweep_orphan_files` removes).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from events.domain import images
from events.domain.errors import FormErrors
from events.domain.links import is_web_url
from events.i18n import _, format_number
from events.models import Challenge, Event, Image, ImageRole, SiteSettings
from events.storage import Storage, StoredFile

log = logging.getLogger("hackcity.branding")

CACHE_SECONDS = 30.0
AA_RATIO = 4.5
WHITE = "#ffffff"
SOFT = "#f3f4f8"  # --soft in static/css/app.css: the background of alerts, where links are read too
DEFAULT_NAME = "hackcity"
DEFAULT_PRIMARY = "#1f3a93"  # --brand in static/css/app.css
DEFAULT_ACCENT = "#a4001d"  # --accent
MAX_NAME = 80
FOOTER_LINKS = 5  # rows of the form
MAX_LINK_LABEL = 60
MAX_SPONSORS = 40  # logos per event
COLOUR_RE = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


# --- colours ---------------------------------------------------------------------------------------


def parse_colour(text: str) -> str | None:
    """`#1f3a93`, `1F3A93` or `#13a` as lowercase `#rrggbb`; None when it is not a colour."""
    match = COLOUR_RE.match(text.strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x) of a `#rrggbb` colour."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two `#rrggbb` colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def darker(colour: str, amount: float = 0.25) -> str:
    """The colour mixed with black (hover states): darker still reads on white."""
    r, g, b = (round(int(colour[i : i + 2], 16) * (1 - amount)) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def _check_colour(text: str, *, what: str) -> tuple[str, str | None]:
    """(the colour, or "" for the default; the error or None)."""
    if not text.strip():
        return "", None
    colour = parse_colour(text)
    if colour is None:
        return "", _("Write a colour as six hexadecimal digits, like #1f3a93.")
    worst = min(contrast_ratio(colour, WHITE), contrast_ratio(colour, SOFT))
    if worst < AA_RATIO:
        measured = int(worst * 100) / 100  # rounded down: 4.499 never reads as 4.5
        return colour, _(
            "%(what)s %(colour)s has a contrast ratio of %(ratio)s with white (text on it, and it as "
            "text on the page): at least %(needed)s is needed (WCAG AA). Choose a darker colour.",
            what=what,
            colour=colour,
            ratio=f"{format_number(measured, 2)}:1",  # a ratio, written as WCAG writes it
            needed=f"{format_number(AA_RATIO, 1)}:1",
        )
    return colour, None


# --- the settings and their cache ------------------------------------------------------------------


@dataclass(frozen=True)
class FooterLink:
    label: str
    url: str


@dataclass(frozen=True)
class Logo:
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Branding:
    """What the pages and the mail need of the settings, read once per process (see the cache)."""

    name: str = DEFAULT_NAME
    primary: str = DEFAULT_PRIMARY
    accent: str = DEFAULT_ACCENT
    custom_colours: bool = False
    footer_links: tuple[FooterLink, ...] = ()
    logo: Logo | None = None
    version: str = "0"  # changes with any of the above: the address of the stylesheet of colours
    primary_dark: str = field(default="")

    def stylesheet(self) -> str:
        """The custom properties that override the stylesheet's (served at /branding.css)."""
        return (
            f":root {{ --brand: {self.primary}; --brand-dark: {self.primary_dark or darker(self.primary)}; "
            f"--accent: {self.accent}; }}\n"
        )


DEFAULT = Branding()


async def load_branding() -> Branding:
    """The settings as they are in the database (two queries)."""
    row = await SiteSettings.get_or_none(id=1)
    logo = await Image.filter(role=ImageRole.LOGO, event_id=None).order_by("-id").first()
    if row is None and logo is None:
        return DEFAULT
    name = (row.name if row else "") or DEFAULT_NAME
    primary = (row.primary_colour if row else "") or DEFAULT_PRIMARY
    accent = (row.accent_colour if row else "") or DEFAULT_ACCENT
    links = tuple(
        FooterLink(label=str(link.get("label", "")), url=str(link.get("url", "")))
        for link in (row.footer_links if row else [])
        if isinstance(link, dict) and is_web_url(str(link.get("url", "")))
    )
    logo_value = Logo(url=logo.url, width=logo.width, height=logo.height) if logo else None
    custom = bool(row and (row.primary_colour or row.accent_colour))
    fingerprint = json.dumps(
        [name, primary, accent, [(lk.label, lk.url) for lk in links], logo_value and logo_value.url]
    )
    return Branding(
        name=name,
        primary=primary,
        accent=accent,
        custom_colours=custom,
        footer_links=links,
        logo=logo_value,
        version=hashlib.sha256(fingerprint.encode()).hexdigest()[:12],
        primary_dark=darker(primary),
    )


class BrandingCache:
    """The settings of this process: read again after `ttl` seconds, or at once after `invalidate()`
    (called by the process that saved them). Pages read it on every request without a query."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._value: Branding | None = None
        self._read_at = 0.0

    async def get(self) -> Branding:
        if self._value is None or time.monotonic() - self._read_at > self.ttl:
            self._value = await load_branding()
            self._read_at = time.monotonic()
        return self._value

    def invalidate(self) -> None:
        self._value = None

    def prime(self, value: Branding) -> None:
        """Hold `value` as if just read (tests that count a page's queries in the steady state)."""
        self._value, self._read_at = value, time.monotonic()


def settings_values(row: SiteSettings | None) -> dict[str, str]:
    """The form's fields for the stored settings."""
    values = {
        "name": row.name if row else "",
        "primary_colour": row.primary_colour if row else "",
        "accent_colour": row.accent_colour if row else "",
    }
    links = list(row.footer_links) if row else []
    for i in range(FOOTER_LINKS):
        link = links[i] if i < len(links) and isinstance(links[i], dict) else {}
        values[f"link_label_{i}"] = str(link.get("label", ""))
        values[f"link_url_{i}"] = str(link.get("url", ""))
    return values


def _clean_text(text: str) -> str:
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    return " ".join(text.split())


async def save_settings(values: Mapping[str, str]) -> SiteSettings:
    """Check and store the settings typed in the admin form; FormErrors names each field to fix."""
    errors: dict[str | None, str] = {}
    name = _clean_text(values.get("name", ""))
    if len(name) > MAX_NAME:
        errors["name"] = _("Use at most %(n)s characters.", n=MAX_NAME)
    primary, problem = _check_colour(values.get("primary_colour", ""), what=_("The main colour"))
    if problem:
        errors["primary_colour"] = problem
    accent, problem = _check_colour(values.get("accent_colour", ""), what=_("The accent colour"))
    if problem:
        errors["accent_colour"] = problem
    links = []
    for i in range(FOOTER_LINKS):
        label = _clean_text(values.get(f"link_label_{i}", ""))
        url = values.get(f"link_url_{i}", "").strip()
        if not label and not url:
            continue
        if not label or len(label) > MAX_LINK_LABEL:
            errors[f"link_label_{i}"] = _(
                "Give the link a text of at most %(n)s characters.", n=MAX_LINK_LABEL
            )
        if not is_web_url(url) or len(url) > 500:
            errors[f"link_url_{i}"] = _("Give a web address starting with https:// or http://.")
        links.append({"label": label, "url": url})
    if errors:
        raise FormErrors(errors)
    row, _created = await SiteSettings.get_or_create(id=1)
    row.name = name
    row.primary_colour = primary
    row.accent_colour = accent
    row.footer_links = links
    await row.save()
    log.info("instance settings saved")
    return row


# --- images ----------------------------------------------------------------------------------------


async def _store(storage: Storage, clean: images.CleanImage) -> StoredFile:
    pending = storage.begin(max_bytes=len(clean.data))
    try:
        await pending.write(clean.data)
        return await pending.commit()
    except BaseException:
        await pending.discard()
        raise


async def _create(storage: Storage, clean: images.CleanImage, **row) -> Image:
    """Store the bytes, then write the row (its bytes are deleted if the row cannot be written)."""
    stored = await _store(storage, clean)
    try:
        return await Image.create(
            storage_key=stored.key,
            sha256=stored.sha256,
            content_type=clean.content_type,
            width=clean.width,
            height=clean.height,
            size=stored.size,
            **row,
        )
    except BaseException:
        await storage.delete(stored.key)
        raise


async def _delete(storage: Storage, rows: list[Image]) -> None:
    """Delete the rows, then their bytes."""
    if not rows:
        return
    await Image.filter(id__in=[r.id for r in rows]).delete()
    for row in rows:
        await storage.delete(row.storage_key)


async def _clean(data: bytes, role: ImageRole) -> images.CleanImage:
    try:
        return await images.clean_image_async(data, max_side=images.SIDES[role.value])
    except images.ImageRefused as refusal:
        raise FormErrors({"file": refusal.message}) from None


async def _replace(storage: Storage, data: bytes, role: ImageRole, **owner) -> Image:
    """The one image of this role and owner (a logo, a cover, an illustration), replaced."""
    clean = await _clean(data, role)
    old = await Image.filter(role=role, **owner)
    image = await _create(storage, clean, role=role, **owner)
    await _delete(storage, old)
    return image


async def set_logo(*, storage: Storage, data: bytes) -> Image:
    return await _replace(storage, data, ImageRole.LOGO, event_id=None, challenge_id=None)


async def remove_logo(*, storage: Storage) -> None:
    await _delete(storage, await Image.filter(role=ImageRole.LOGO, event_id=None))


async def set_cover(*, event: Event, storage: Storage, data: bytes) -> Image:
    return await _replace(storage, data, ImageRole.COVER, event_id=event.id, challenge_id=None)


async def set_illustration(*, event: Event, challenge_id: int, storage: Storage, data: bytes) -> Image:
    challenge = await Challenge.get_or_none(id=challenge_id, event_id=event.id)
    if challenge is None:
        raise FormErrors({"challenge": _("Choose one of the event's challenges.")})
    return await _replace(storage, data, ImageRole.ILLUSTRATION, event_id=event.id, challenge_id=challenge.id)


def _sponsor_fields(values: Mapping[str, str]) -> tuple[dict, dict]:
    errors: dict[str | None, str] = {}
    name = _clean_text(values.get("name", ""))
    if not name or len(name) > 120:
        errors["name"] = _(
            "Give the organisation's name (at most %(n)s characters): it is read out in place of the logo.",
            n=120,
        )
    link = values.get("link", "").strip()
    if link and (not is_web_url(link) or len(link) > 500):
        errors["link"] = _("Give a web address starting with https:// or http://.")
    kind = values.get("kind", "")
    if kind not in (ImageRole.SPONSOR.value, ImageRole.PARTNER.value):
        errors["kind"] = _("Choose sponsor or partner.")
    position_text = values.get("position", "").strip()
    position = (
        int(position_text)
        if position_text.isascii() and position_text.isdigit() and len(position_text) < 4
        else None
    )
    if position_text and position is None:
        errors["position"] = _("Give a whole number from 0 to 999.")
    return {"name": name, "link": link, "role": kind, "position": position}, errors


async def add_sponsor(*, event: Event, storage: Storage, values: Mapping[str, str], data: bytes) -> Image:
    """A sponsor's or partner's logo with its name (the alternative text), link and place."""
    row, errors = _sponsor_fields(values)
    if errors:
        raise FormErrors(errors)
    role = ImageRole(row.pop("role"))
    clean = await _clean(data, role)
    count = await Image.filter(event_id=event.id, role__in=[ImageRole.SPONSOR, ImageRole.PARTNER]).count()
    if count >= MAX_SPONSORS:
        raise FormErrors({None: _("An event shows at most %(n)s logos: remove one first.", n=MAX_SPONSORS)})
    if row["position"] is None:
        row["position"] = count + 1
    image = await _create(storage, clean, role=role, event_id=event.id, **row)
    log.info("%s logo %s added to event %s", role.value, image.id, event.id)
    return image


async def remove_event_image(*, event: Event, image_id: int, storage: Storage) -> Image | None:
    """Remove one of the event's images (a logo, the cover, an illustration); None if it is not one."""
    image = await Image.get_or_none(id=image_id, event_id=event.id)
    if image is not None:
        await _delete(storage, [image])
    return image


async def event_images(event: Event) -> dict:
    """The event's cover, its sponsors and partners in their order, its illustrations by challenge."""
    rows = await Image.filter(event_id=event.id).order_by("position", "id")
    return {
        "cover": next((r for r in rows if r.role == ImageRole.COVER), None),
        "sponsors": [r for r in rows if r.role == ImageRole.SPONSOR],
        "partners": [r for r in rows if r.role == ImageRole.PARTNER],
        "illustrations": {r.challenge_id: r for r in rows if r.role == ImageRole.ILLUSTRATION},
    }


async def illustrations(challenge_ids: list[int]) -> dict[int, Image]:
    """The illustration of each of these challenges that has one."""
    if not challenge_ids:
        return {}
    rows = await Image.filter(role=ImageRole.ILLUSTRATION, challenge_id__in=challenge_ids)
    return {r.challenge_id: r for r in rows}


async def image_at(image_id: int, sha256: str) -> Image | None:
    """The image this address names (its id and the hash of its current bytes), or None."""
    return await Image.get_or_none(id=image_id, sha256=sha256)
