"""Images made in the tests with Pillow: ordinary ones, and hostile ones (a decompression bomb, an
SVG, polyglots, a JPEG whose EXIF carries a script)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, PngImagePlugin

SCRIPT = b"<script>alert('pwned')</script>"


def png(width: int = 64, height: int = 32, colour=(200, 30, 30, 255), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), colour if mode == "RGBA" else colour[:3]).save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int = 64, height: int = 32, *, exif_text: bytes | None = None) -> bytes:
    """A JPEG; with `exif_text`, its EXIF ImageDescription and Artist carry that text."""
    image = Image.new("RGB", (width, height), (20, 120, 200))
    out = io.BytesIO()
    if exif_text is None:
        image.save(out, format="JPEG")
    else:
        exif = Image.Exif()
        exif[0x010E] = exif_text.decode()  # ImageDescription
        exif[0x013B] = exif_text.decode()  # Artist
        image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_with_text_chunk(text: bytes = SCRIPT) -> bytes:
    """A PNG whose tEXt chunk (metadata) holds `text`."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text.decode())
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 0, 0)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def html_polyglot() -> bytes:
    """A valid PNG with a web page appended after its end: a browser sniffing it would run the script."""
    return png() + b"<html><body>" + SCRIPT + b"</body></html>"


def gif_js_polyglot() -> bytes:
    """A GIF whose header reads as JavaScript (`GIF89a=...`) with a script in a comment extension."""
    out = io.BytesIO()
    Image.new("P", (8, 8), 1).save(out, format="GIF", comment=b"*/=alert('pwned');/*" + SCRIPT)
    return out.getvalue()


def svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        + SCRIPT
        + b"</svg>"
    )


def decompression_bomb(side: int = 30000) -> bytes:
    """A PNG of a few tens of kilobytes that declares `side` × `side` pixels (900 million for 30,000):
    written chunk by chunk, as Pillow would refuse to make such an image in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
