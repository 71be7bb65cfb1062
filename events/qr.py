"""QR codes as inline SVG (segno): the stage screen and the printed cards carry one.

The SVG scales with its box (a viewBox, no size), keeps the four-module quiet zone the standard
asks for on a white ground, and is an image with an accessible name; the page prints the URL as
text beside it, for whoever cannot scan it.
"""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(url: str, *, label: str) -> Markup:
    """An `<svg role="img">` of the QR code of `url`, named `label` (escaped)."""
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff", svgclass="qr")
    # segno writes the <svg> tag first: the role and the name go on it.
    return Markup(  # noqa: S704 - segno's own markup, the label escaped here
        svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', 1)
    )
