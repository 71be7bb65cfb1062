"""Atom 1.0 feeds (RFC 4287), written with xml.etree: every text and attribute is escaped by the writer.

A feed is built from plain values (`Feed`, `FeedEntry`) by `atom(feed)`, which returns the UTF-8
document. Text typed by people (titles, the Markdown rendered to sanitised HTML) may hold characters
that XML 1.0 cannot carry at all, even escaped (control characters but tab and line breaks, lone
surrogates, U+FFFE, U+FFFF): they are dropped, so a hostile title never makes a feed unreadable.
`<`, `&` and `]]>` need nothing special: the writer escapes them, and nothing is written as CDATA.
Links are absolute, built from BASE_URL by the caller; dates are RFC 3339 in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
# The characters XML 1.0 allows (its production "Char"); everything else is removed.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", value)


def rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(base_url: str, moment: datetime, specific: str) -> str:
    """A tag: URI (RFC 4151) minted by this instance's host name on the day of `moment`."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{moment.astimezone(UTC):%Y-%m-%d}:{specific}"


@dataclass(frozen=True)
class FeedEntry:
    id: str  # a permanent IRI: urn:uuid:... for an announcement
    title: str
    link: str  # absolute URL of the entry's page
    published: datetime
    updated: datetime
    author: str
    html: str  # sanitised HTML, sent as escaped text (`type="html"`)
    author_uri: str = ""


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    self_link: str  # absolute URL of the feed itself
    alternate: str  # absolute URL of the page that shows the same news
    author: str
    updated_when_empty: datetime  # a feed needs an `updated`, even without entries
    subtitle: str = ""
    author_uri: str = ""
    entries: list[FeedEntry] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        return max((entry.updated for entry in self.entries), default=self.updated_when_empty)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {name: xml_text(value) for name, value in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _author(parent: ET.Element, name: str, uri: str) -> None:
    author = _add(parent, "author")
    _add(author, "name", name or "hackcity")
    if uri:
        _add(author, "uri", uri)


def atom(feed: Feed) -> bytes:
    """The feed as an Atom 1.0 document, UTF-8 with its XML declaration."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_link)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate)
    _author(root, feed.author, feed.author_uri)
    _add(root, "generator", "hackcity")
    for item in feed.entries:
        entry = _add(root, "entry")
        _add(entry, "id", item.id)
        _add(entry, "title", item.title, type="text")
        _add(entry, "link", rel="alternate", type="text/html", href=item.link)
        _add(entry, "published", rfc3339(item.published))
        _add(entry, "updated", rfc3339(item.updated))
        _author(entry, item.author, item.author_uri)
        _add(entry, "content", item.html, type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
