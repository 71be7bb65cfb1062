"""Which files an entry may carry: allowed extensions, a check of the leading bytes, display names.

The extension says what a file claims to be; its first bytes must agree (an `.exe` renamed `.pdf`
starts with `MZ`, not `%PDF-`). Text formats must be UTF-8 and must not look like HTML, XML or SVG,
which a browser could run. Archives and office documents (ZIP containers) are stored as they are and
never opened on the server.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from events.i18n import _

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BINARY_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "zip": ZIP_MAGIC,
    "docx": ZIP_MAGIC,
    "xlsx": ZIP_MAGIC,
    "pptx": ZIP_MAGIC,
    "odt": ZIP_MAGIC,
    "ods": ZIP_MAGIC,
    "odp": ZIP_MAGIC,
}
TEXT_EXTENSIONS = frozenset({"csv", "json", "geojson", "txt", "md"})
ALLOWED_EXTENSIONS = frozenset(BINARY_MAGIC) | TEXT_EXTENSIONS
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "csv": "text/csv",
    "json": "application/json",
    "geojson": "application/geo+json",
    "txt": "text/plain",
    "md": "text/markdown",
}
# Markup a browser would render or run, looked for in the first bytes of a text file.
MARKUP_RE = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)",
    re.IGNORECASE,
)
MAX_NAME_LENGTH = 200


class FileRefused(Exception):
    """The file is not accepted; `message` is for the user, already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def allowed_list() -> str:
    return ", ".join(sorted(ALLOWED_EXTENSIONS))


def display_name(raw: str) -> str:
    """The client's file name, safe to show: last path segment, no control, format or RTL characters.

    Used for display and for the download's Content-Disposition only, never for a path.
    """
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    # Cc: controls (NUL, CR, LF...), Cf: format characters (U+202E RIGHT-TO-LEFT OVERRIDE, U+200B...)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def check_extension(name: str) -> str:
    """The file's extension, if it is allowed; FileRefused otherwise."""
    extension = extension_of(name)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(_("This kind of file is not accepted. Accepted: %(list)s.", list=allowed_list()))
    return extension


@dataclass
class ContentCheck:
    """Fed the bytes of an upload as they stream in; `finish()` says whether they match the extension."""

    extension: str

    def __post_init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")() if self.extension in TEXT_EXTENSIONS else None
        self._utf8 = True
        self._nul = False

    def feed(self, data: bytes) -> None:
        if self._decoder is None or not self._utf8:
            return
        if b"\x00" in data:
            self._nul = True
        try:
            self._decoder.decode(data)
        except UnicodeDecodeError:
            self._utf8 = False

    def finish(self, head: bytes, size: int) -> None:
        if size == 0:
            raise FileRefused(_("The file is empty."))
        refused = FileRefused(
            _("The content of this file does not match its extension (.%(ext)s).", ext=self.extension)
        )
        if self.extension in BINARY_MAGIC:
            if not head.startswith(BINARY_MAGIC[self.extension]):
                raise refused
            return
        if self._decoder is not None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self._utf8 = False
        if not self._utf8 or self._nul:
            raise FileRefused(_("A text file must be encoded in UTF-8."))
        if MARKUP_RE.search(head):
            raise FileRefused(_("Web pages and SVG images are not accepted as text files."))


def content_type(extension: str) -> str:
    return CONTENT_TYPES.get(extension, "application/octet-stream")
