"""Where uploaded files live: a small storage interface and its local-folder implementation.

A file is written to a temporary path inside the storage folder, flushed and fsynced, then moved
into place under a server-generated key; the caller commits its database row only after that. So a
crash mid-upload leaves a temporary file and no row, and a crash between the move and the commit
leaves a file with no row: `sweep_orphans()` removes both kinds once they are old enough that no
upload can still be finishing them.

Keys are 32 random hex digits. A client's file name never reaches a path: it is kept in the
database for display only. The other backend, an S3-compatible object store
(`events/storage_s3.py`), implements the same `Storage` protocol: `begin()`, `open()`, `size_of()`,
`delete()`, `sweep_orphans()`, `download_url()`, `close()`. `UPLOAD_STORAGE` chooses it
(`events/storage_backends.py`); `parse_storage_url` here reads and checks the address.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit

log = logging.getLogger("hackcity.storage")

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
WRITE_BUFFER = 1024 * 1024  # bytes gathered before one write to disk (in a worker thread)
READ_CHUNK = 256 * 1024
HEAD_BYTES = 8192  # leading bytes kept for the type check
ORPHAN_AGE_SECONDS = 3600  # a file younger than this may belong to an upload still committing


class FileTooLarge(Exception):
    """More bytes than the limit given to `begin()`: the pending file is already discarded."""


class StorageUnavailable(Exception):
    """The storage could not take the file (an object store that is down, refuses our credentials,
    has no such bucket…): the pending file is already discarded, nothing is stored."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    head: bytes  # the first HEAD_BYTES bytes, to check the type


class PendingUpload(Protocol):
    size: int
    head: bytes

    @property
    def sha256(self) -> str: ...  # of the bytes written so far
    async def write(self, data: bytes) -> None: ...
    async def commit(self) -> StoredFile: ...
    async def discard(self) -> None: ...


class Storage(Protocol):
    def begin(self, *, max_bytes: int, key: str | None = None) -> PendingUpload:
        """A new upload; stored under a new key, or under `key` (moving files between backends)."""

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes, chunk by chunk; FileNotFoundError (at the first chunk) when it is missing."""

    async def size_of(self, key: str) -> int | None: ...  # None: no such file
    async def delete(self, key: str) -> None: ...
    async def sweep_orphans(self, known_keys: Iterable[str], *, min_age_seconds: float = ...) -> int: ...
    async def download_url(self, key: str, *, filename: str) -> str | None:
        """A short-lived address the browser may fetch the file from itself, or None: the app sends it."""

    async def close(self) -> None: ...


def attachment_disposition(name: str) -> str:
    """Content-Disposition of a download: an attachment, named in UTF-8 (whatever the name holds)."""
    return "attachment; filename*=UTF-8''" + quote(name or "file", safe="")


def new_key() -> str:
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if not KEY_RE.match(key):
        raise ValueError("not a storage key")
    return key


class CountedUpload:
    """What every backend's pending upload does with the bytes it receives, before storing them:
    check it is still open, count them against the limit (discarding the upload past it), keep the
    first HEAD_BYTES for the type check, hash them. Subclasses set the attributes and `discard`."""

    size: int
    max_bytes: int
    head: bytes
    _hash: Any
    _closed: bool

    async def discard(self) -> None:
        raise NotImplementedError

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    async def _count(self, data: bytes) -> None:
        if self._closed:
            raise RuntimeError("upload already finished")
        self.size += len(data)
        if self.size > self.max_bytes:
            await self.discard()
            raise FileTooLarge
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self._hash.update(data)


class LocalPendingUpload(CountedUpload):
    """A file being received: bytes go to `tmp/<random>.part`, counted and hashed as they come."""

    def __init__(self, storage: LocalStorage, max_bytes: int, key: str | None = None) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
        self.key = check_key(key) if key is not None else None
        self.size = 0
        self.head = b""
        self._hash = hashlib.sha256()
        self._buffer = bytearray()
        self.temp_path = storage.temp_dir / f"{new_key()}.part"
        # O_EXCL: never follow or reuse something already at that path.
        fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb", buffering=0)
        self._closed = False

    async def write(self, data: bytes) -> None:
        await self._count(data)
        self._buffer += data
        if len(self._buffer) >= WRITE_BUFFER:
            await self._flush_buffer()

    async def _flush_buffer(self) -> None:
        if self._buffer:
            chunk = bytes(self._buffer)
            self._buffer.clear()
            await asyncio.to_thread(self._file.write, chunk)

    async def commit(self) -> StoredFile:
        """Flush, fsync, move into place; the caller then commits the row that names the key."""
        await self._flush_buffer()
        key = self.key or new_key()
        target = self.storage.path(key)

        def finish() -> None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.temp_path, target)
            _fsync_dir(target.parent)

        try:
            await asyncio.to_thread(finish)
        except BaseException:
            await self.discard()
            raise
        self._closed = True
        return StoredFile(key=key, size=self.size, sha256=self._hash.hexdigest(), head=self.head)

    async def discard(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()

        def remove() -> None:
            self._file.close()
            self.temp_path.unlink(missing_ok=True)

        await asyncio.to_thread(remove)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory: the rename is still atomic
    finally:
        os.close(fd)


class LocalStorage:
    """Files under `root/files/<2 hex>/<key>`, temporary files under `root/tmp/`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.files_dir = self.root / "files"
        self.temp_dir = self.root / "tmp"

    def _ensure(self) -> None:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.temp_dir.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        check_key(key)
        return self.files_dir / key[:2] / key

    def begin(self, *, max_bytes: int, key: str | None = None) -> LocalPendingUpload:
        self._ensure()
        return LocalPendingUpload(self, max_bytes, key)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes, read in a worker thread chunk by chunk (FileNotFoundError if missing)."""
        handle = await asyncio.to_thread(self.path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield chunk
        finally:
            handle.close()

    async def size_of(self, key: str) -> int | None:
        path = self.path(key)

        def size() -> int | None:
            try:
                return path.stat().st_size if path.is_file() else None
            except FileNotFoundError:
                return None

        return await asyncio.to_thread(size)

    async def download_url(self, key: str, *, filename: str) -> str | None:
        return None  # a folder has no address of its own: the app sends the file

    async def close(self) -> None:
        pass

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path(key).unlink, True)

    async def sweep_orphans(
        self, known_keys: Iterable[str], *, min_age_seconds: float = ORPHAN_AGE_SECONDS
    ) -> int:
        """Remove stored files that no row names, and abandoned temporary files, older than the age."""
        known = set(known_keys)
        return await asyncio.to_thread(self._sweep, known, min_age_seconds)

    def _sweep(self, known: set[str], min_age_seconds: float) -> int:
        self._ensure()
        cutoff = time.time() - min_age_seconds
        removed = 0
        candidates = [p for p in self.files_dir.rglob("*") if p.is_file() or p.is_symlink()]
        candidates += [p for p in self.temp_dir.iterdir() if p.is_file() or p.is_symlink()]
        for path in candidates:
            if path.parent != self.temp_dir and KEY_RE.match(path.name) and path.name in known:
                continue
            try:
                if path.lstat().st_mtime > cutoff:
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            removed += 1
            log.info("swept orphan upload %s", path.relative_to(self.root))
        return removed


class StorageURLError(ValueError):
    """`UPLOAD_STORAGE` (or a `migrate-uploads` address) cannot be used; the message says why."""


S3_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
S3_PREFIX_RE = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")
REGION_RE = re.compile(r"^[a-z0-9-]{1,40}$")
S3_OPTIONS = ("endpoint", "region", "download", "expires", "addressing")
MAX_SIGNED_SECONDS = 7 * 24 * 3600  # the longest a SigV4 signed URL may live


@dataclass(frozen=True)
class S3Location:
    """Where and how files live in an object store: `s3://bucket[/prefix]?endpoint=…&region=…`."""

    bucket: str
    prefix: str = ""  # "" or ending with "/"
    endpoint: str | None = None  # None: AWS itself
    region: str | None = None  # None: AWS_REGION / AWS_DEFAULT_REGION, else the SDK's default
    download: str = "proxy"  # "proxy": the app streams the file; "signed": a redirect to a signed URL
    expires: int = 60  # lifetime of a signed URL, in seconds
    addressing: str = "auto"  # "path" (most S3-compatible servers) or "virtual" (bucket.host)


def parse_storage_url(url: str) -> Path | S3Location:
    """A local folder (`file:///srv/uploads`, `file:relative`, or a plain path) or an object store
    (`s3://bucket[/prefix]?endpoint=https://host&region=…&download=proxy|signed&expires=60`).

    Credentials never travel in the address (it ends up in logs and process lists): the S3 client
    reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or its other usual sources)."""
    url = url.strip()
    if not url:
        raise StorageURLError("the storage address is empty")
    if "://" not in url and not url.startswith(("file:", "s3:")):
        return Path(url)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or parts.query or not parts.path:
            raise StorageURLError(f"{url!r}: a local folder is written file:///absolute/path")
        return Path(unquote(parts.path))
    if parts.scheme != "s3":
        raise StorageURLError(f"{url!r}: the address must start with s3:// (an object store) or file://")
    if "@" in parts.netloc:
        raise StorageURLError(
            "put no credentials in the s3:// address: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    bucket = parts.netloc
    if not S3_BUCKET_RE.match(bucket) or ".." in bucket:
        raise StorageURLError(
            f"{bucket!r} is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens): "
            "s3://bucket[/prefix]?endpoint=https://host"
        )
    prefix = parts.path.strip("/")
    if prefix and not S3_PREFIX_RE.match(prefix):
        raise StorageURLError(
            f"{parts.path!r}: a prefix is letters, digits and - _ . ! * ' ( ) between slashes"
        )
    options: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
        if name not in S3_OPTIONS:
            raise StorageURLError(
                f"unknown option {name!r} in the s3:// address (known: {', '.join(S3_OPTIONS)})"
            )
        if name in options:
            raise StorageURLError(f"the option {name!r} is given twice in the s3:// address")
        options[name] = value
    endpoint = options.get("endpoint") or None
    if endpoint is not None:
        endpoint_parts = urlsplit(endpoint)
        if (
            endpoint_parts.scheme not in ("http", "https")
            or not endpoint_parts.hostname
            or endpoint_parts.username
            or endpoint_parts.query
            or endpoint_parts.path not in ("", "/")
        ):
            raise StorageURLError(
                f"endpoint={endpoint!r}: give the object store's address, like https://s3.example.org:9000"
            )
        endpoint = endpoint.rstrip("/")
    region = options.get("region") or None
    if region is not None and not REGION_RE.match(region):
        raise StorageURLError(f"region={region!r} is not a region name (like eu-west-3 or fr-par)")
    download = options.get("download", "proxy")
    if download not in ("proxy", "signed"):
        raise StorageURLError(f"download={download!r}: choose proxy (the default) or signed")
    expires_text = options.get("expires", "60")
    if not expires_text.isdigit() or not 1 <= int(expires_text) <= MAX_SIGNED_SECONDS:
        raise StorageURLError(f"expires={expires_text!r}: a number of seconds from 1 to {MAX_SIGNED_SECONDS}")
    addressing = options.get("addressing", "path" if endpoint else "auto")
    if addressing not in ("auto", "path", "virtual"):
        raise StorageURLError(f"addressing={addressing!r}: choose path or virtual")
    return S3Location(
        bucket=bucket,
        prefix=prefix + "/" if prefix else "",
        endpoint=endpoint,
        region=region,
        download=download,
        expires=int(expires_text),
        addressing=addressing,
    )
