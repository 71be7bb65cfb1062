"""Where uploaded files live: a small storage interface and its local-folder implementation.

A file is written to a temporary path inside the storage folder, flushed and fsynced, then moved
into place under a server-generated key; the caller commits its database row only after that. So a
crash mid-upload leaves a temporary file and no row, and a crash between the move and the commit
leaves a file with no row: `sweep_orphans()` removes both kinds once they are old enough that no
upload can still be finishing them.

Keys are 32 random hex digits. A client's file name never reaches a path: it is kept in the
database for display only. Another backend (an object store) implements the same `Storage`
protocol: `begin()`, `open()`, `delete()`, `sweep_orphans()`.
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
from typing import Protocol

log = logging.getLogger("hackcity.storage")

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
WRITE_BUFFER = 1024 * 1024  # bytes gathered before one write to disk (in a worker thread)
READ_CHUNK = 256 * 1024
HEAD_BYTES = 8192  # leading bytes kept for the type check
ORPHAN_AGE_SECONDS = 3600  # a file younger than this may belong to an upload still committing


class FileTooLarge(Exception):
    """More bytes than the limit given to `begin()`: the pending file is already discarded."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    head: bytes  # the first HEAD_BYTES bytes, to check the type


class PendingUpload(Protocol):
    size: int
    head: bytes

    async def write(self, data: bytes) -> None: ...
    async def commit(self) -> StoredFile: ...
    async def discard(self) -> None: ...


class Storage(Protocol):
    def begin(self, *, max_bytes: int) -> PendingUpload: ...
    def open(self, key: str) -> AsyncIterator[bytes]: ...
    async def delete(self, key: str) -> None: ...
    async def sweep_orphans(self, known_keys: Iterable[str], *, min_age_seconds: float = ...) -> int: ...


def new_key() -> str:
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if not KEY_RE.match(key):
        raise ValueError("not a storage key")
    return key


class LocalPendingUpload:
    """A file being received: bytes go to `tmp/<random>.part`, counted and hashed as they come."""

    def __init__(self, storage: LocalStorage, max_bytes: int) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
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
        if self._closed:
            raise RuntimeError("upload already finished")
        self.size += len(data)
        if self.size > self.max_bytes:
            await self.discard()
            raise FileTooLarge
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self._hash.update(data)
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
        key = new_key()
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

    def begin(self, *, max_bytes: int) -> LocalPendingUpload:
        self._ensure()
        return LocalPendingUpload(self, max_bytes)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes, read in a worker thread chunk by chunk."""
        handle = await asyncio.to_thread(self.path(key).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield chunk
        finally:
            handle.close()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

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


def storage_for(settings) -> LocalStorage:
    """The storage the app uses (only local folders today: UPLOAD_DIR)."""
    return LocalStorage(settings.upload_dir)
