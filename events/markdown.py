"""User and organiser Markdown, rendered to HTML that is safe to put in a page.

Two layers, so that a mistake in one is caught by the other (docs/SECURITY.md, "CSRF and browser
safety"): markdown-it-py parses with raw HTML turned off, so `<script>` typed by a user is text,
and its link validator already refuses `javascript:`, `vbscript:`, `file:` and `data:` links; then
nh3 (ammonia) rebuilds the fragment keeping only the tags, attributes and URL schemes below.
Only the output of `render_markdown` may be marked safe in a template, through the `markdown`
filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup

# A description longer than this is cut before parsing: forms reject it long before, and the
# bound keeps a hostile stored text from costing seconds of CPU on every page view.
MAX_LENGTH = 100_000
# Rendering is the largest cost of a page that lists challenges (every request parsed the same
# descriptions again): the results for texts up to CACHED_LENGTH characters are kept, the last
# CACHE_SIZE of them, per process. At most ~8 MB of source text, usually far less.
CACHED_LENGTH = 16_000
CACHE_SIZE = 512

ALLOWED_TAGS = {
    "p", "br", "hr",
    "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6",
    "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# Values checked one by one: an alignment, nothing else.
ALIGNMENTS = {"left", "center", "right"}
ALLOWED_ATTRIBUTE_VALUES = {"th": {"align": ALIGNMENTS}, "td": {"align": ALIGNMENTS}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow ugc"

_TEXT_ALIGN = re.compile(r"^text-align:(left|center|right)$")


def _demote_headings_and_align_cells(state: StateCore) -> None:
    """A page keeps its one `<h1>`; table alignment uses `align`, since the CSP forbids inline styles."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
        elif token.type in ("th_open", "td_open") and token.attrs.get("style"):
            match = _TEXT_ALIGN.match(str(token.attrs.pop("style")))
            if match:
                token.attrSet("align", match.group(1))


def _image_as_link(self, tokens: list[Token], idx: int, options, env) -> str:
    """Images become a link to the image: the CSP (img-src 'self') blocks other hosts anyway,
    and an image would tell a third party who reads the page."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    label = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(label)}</a>'


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.core.ruler.push("demote_headings_and_align_cells", _demote_headings_and_align_cells)
    md.add_render_rule("image", _image_as_link)
    return md


_parser = _build_parser()


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML, ready for a template; empty for None or blank text."""
    if not text or not text.strip():
        return Markup("")
    if len(text) <= CACHED_LENGTH:
        return _render_cached(text)
    return _render(text)


def _render(text: str) -> Markup:
    html = _parser.render(text[:MAX_LENGTH])
    return Markup(sanitise_html(html))  # noqa: S704 - sanitised: the one place allowed to do this


_render_cached = lru_cache(maxsize=CACHE_SIZE)(_render)


def sanitise_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes of an HTML fragment.

    Public so that tests can check this layer on its own, with raw HTML the parser never lets through.
    """
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _plain_text(tokens: Iterable[Token]) -> Iterable[str]:
    for token in tokens:
        if token.type in ("text", "code_inline", "code_block", "fence"):
            yield token.content
        elif token.type in ("softbreak", "hardbreak") or token.block:
            yield " "
        if token.children:
            yield from _plain_text(token.children)


def _body_and_headings(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    """Split the block tokens: those inside headings, and all the others (paragraphs, lists, ...)."""
    body: list[Token] = []
    headings: list[Token] = []
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        (headings if in_heading else body).append(token)
        if token.type == "heading_close":
            in_heading = False
    return body, headings


def excerpt(text: str | None, length: int = 200) -> str:
    """The words of a Markdown text without its markup, cut at a word to at most `length` characters.

    Headings are left out (a title glued to the next paragraph reads as one odd sentence), unless
    the text is nothing but headings; blocks (paragraphs, list items) are separated by a space.
    Plain text, not HTML: the template escapes it like any other string.
    """
    if not text:
        return ""
    if len(text) <= CACHED_LENGTH:
        return _excerpt_cached(text, length)
    return _excerpt(text, length)


def _excerpt(text: str, length: int) -> str:
    body, headings = _body_and_headings(_parser.parse(text[:MAX_LENGTH]))
    words = " ".join("".join(_plain_text(body)).split()) or " ".join("".join(_plain_text(headings)).split())
    if len(words) <= length:
        return words
    cut = words[: max(length - 1, 0)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:!?") + "…"


_excerpt_cached = lru_cache(maxsize=CACHE_SIZE)(_excerpt)
