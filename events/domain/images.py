"""Images people upload (the instance's logo, covers, sponsor logos, illustrations): raster only,
decoded and drawn again before anything is stored.

An uploaded file is never stored as it came. Pillow opens it only as PNG, JPEG, WebP or GIF (SVG,
which a browser would run, and every other format are refused), its dimensions are read from the
header and refused beyond `MAX_PIXELS` before any pixel is decoded (a decompression bomb: a few
kilobytes that would decode into gigabytes), Pillow's own bomb warning is an error too, then the
pixels alone are encoded again, as PNG (a PNG or GIF, or anything with transparency) or JPEG, at
most `max_side` pixels wide and high. Nothing else survives the re-encoding: no EXIF, ICC profile, text chunk,
comment, extra frame or bytes appended after the image (a polyglot that is also HTML or script).
The stored file is what this module wrote, served under its own content type with `nosniff`.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from events.i18n import _

MAX_BYTES = 5 * 1024 * 1024  # an upload larger than this is refused before it is decoded
MAX_SIDE = 4096  # a side longer than this is refused (a poster is 4,000 px)
MAX_PIXELS = MAX_SIDE * MAX_SIDE
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
JPEG_QUALITY = 85
# The longest side each kind of image is reduced to (never enlarged).
SIDES = {"logo": 512, "cover": 1600, "sponsor": 480, "partner": 480, "illustration": 1200}


class ImageRefused(Exception):
    """The file is not an image we take; `message` is for the user, already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str  # image/png or image/jpeg
    width: int
    height: int


def accepted_formats() -> str:
    return "PNG, JPEG, WebP, GIF"


def _refuse_kind() -> ImageRefused:
    return ImageRefused(
        _("This file is not an image we accept: choose a PNG, JPEG, WebP or GIF image (SVG is not accepted).")
    )


def _looks_like_markup(data: bytes) -> bool:
    return data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def clean_image(data: bytes, *, max_side: int) -> CleanImage:
    """Decode `data` and encode its pixels again (see the module's docstring); ImageRefused otherwise.

    CPU-bound: call it through `clean_image_async` from a request."""
    if not data:
        raise ImageRefused(_("Choose an image to upload."))
    if len(data) > MAX_BYTES:
        raise ImageRefused(too_large())
    if _looks_like_markup(data):
        raise ImageRefused(
            _("SVG images and web pages are not accepted: choose a PNG, JPEG, WebP or GIF image.")
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as source:
                width, height = source.size
                if (
                    width < 1
                    or height < 1
                    or width > MAX_SIDE
                    or height > MAX_SIDE
                    or width * height > MAX_PIXELS
                ):
                    raise ImageRefused(
                        _(
                            "This image is %(width)s × %(height)s pixels: an image may be at most "
                            "%(max)s pixels wide and high.",
                            width=width,
                            height=height,
                            max=MAX_SIDE,
                        )
                    )
                source.seek(0)  # the first frame of an animation
                source.load()
                lossless = source.format in ("PNG", "GIF")  # drawings stay sharp: PNG again
                pixels = ImageOps.exif_transpose(source)  # upright, as the camera meant it
                return _encode(pixels, max_side, lossless=lossless)  # a mode it cannot convert: refused
        except ImageRefused:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ImageRefused(_("This image would be too large once decoded: it is refused.")) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise _refuse_kind() from None


def _encode(pixels: Image.Image, max_side: int, *, lossless: bool) -> CleanImage:
    """The pixels alone, reduced to fit `max_side`, as PNG (a drawing, or with transparency) or JPEG."""
    has_alpha = pixels.mode in ("RGBA", "LA", "PA") or (pixels.mode == "P" and "transparency" in pixels.info)
    pixels = pixels.convert("RGBA" if has_alpha else "RGB")
    if max(pixels.size) > max_side:
        pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    clean = Image.new(pixels.mode, pixels.size)  # a new image: nothing of the source's info is kept
    clean.paste(pixels)
    out = io.BytesIO()
    if has_alpha or lossless:
        clean.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return CleanImage(data=out.getvalue(), content_type=content_type, width=clean.width, height=clean.height)


async def clean_image_async(data: bytes, *, max_side: int) -> CleanImage:
    """`clean_image` in a worker thread, so the event loop keeps serving others meanwhile."""
    return await asyncio.to_thread(clean_image, data, max_side=max_side)


def too_large() -> str:
    return _("This image is larger than %(size)s: choose a smaller one.", size="5 MB")
