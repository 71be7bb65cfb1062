"""Which stored addresses may be handed on as links, in a page or in data for machines.

Portals and users supply these addresses (a dataset's landing page, an entry's repository), so a
`javascript:` or `data:` address must stay text, never become an `href` or a JSON-LD `url`.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def is_web_url(value: object) -> bool:
    """True for an absolute http(s) address: the only stored addresses that may become a link.

    Whitespace or control characters anywhere also disqualify it (browsers strip some of them).
    """
    if not isinstance(value, str) or not value:
        return False
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in value):
        return False
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
