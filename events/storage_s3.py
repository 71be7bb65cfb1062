"""Uploaded files in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage, Scaleway, OVH…).

The same `Storage` protocol as the local folder (`events/storage.py`), through aiobotocore, the
asyncio port of the AWS SDK's core:

- **Upload**: bytes are counted, hashed and kept for the type check as they arrive, exactly as in
  the folder. A file smaller than one part (5 MiB) is sent by one PUT at commit; a larger one goes
  as an S3 multipart upload, one 5 MiB part at a time, each sent before the next is gathered, so a
  request never holds more than a part (plus the chunk being added) whatever the file's size.
  Nothing is visible under the key until the upload is completed at commit; `discard()` (a refused
  or abandoned upload, FileTooLarge) aborts it. The caller commits its database row afterwards, as
  with the folder, so a crash leaves either an incomplete multipart upload or an object with no
  row: `sweep_orphans()` aborts the first and deletes the second once they are old enough.
- **Download**: `open()` streams the object's body chunk by chunk; the route sends it with the
  same headers as a local file. With `download=signed` in the address, `download_url()` gives a
  signed GET URL that lives `expires` seconds and makes the store answer with our
  Content-Disposition, Content-Type and Cache-Control; the route redirects to it after the same
  access check.
- **Layout**: an object per file, `<prefix>files/<key>`, with the 32-hex-digit keys of the folder,
  so `hackcity migrate-uploads` moves files between backends under the same keys. The sweep only
  ever touches `<prefix>files/` and names that are keys.

One client (a pool of HTTP connections) per storage object, opened at first use on the running
event loop and closed by `close()` (the app's lifespan, or the command that opened it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session
from botocore.exceptions import BotoCoreError, ClientError

from events.storage import (
    KEY_RE,
    ORPHAN_AGE_SECONDS,
    READ_CHUNK,
    CountedUpload,
    S3Location,
    StorageUnavailable,
    StoredFile,
    attachment_disposition,
    check_key,
    new_key,
)

log = logging.getLogger("hackcity.storage")

PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (but the last): a file of up to 10,000 parts, 48 GiB
MAX_CONNECTIONS = 64  # a proxied download holds one while the browser reads
MAX_ATTEMPTS = 3  # a request that fails for a reason worth retrying is tried again, after a delay
OBJECT_HEADERS = {  # stored with each object: what even a direct read of it would be told
    "ContentType": "application/octet-stream",
    "ContentDisposition": "attachment",
}
_session: AioSession | None = None


def _shared_session() -> AioSession:
    """One SDK session per process: it caches the service's description, which is slow to load."""
    global _session
    if _session is None:
        _session = get_session()
    return _session


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


class S3PendingUpload(CountedUpload):
    """A file being received: counted and hashed as it comes, sent part by part."""

    def __init__(self, storage: S3Storage, max_bytes: int, key: str | None) -> None:
        self.storage = storage
        self.max_bytes = max_bytes
        self.key = check_key(key) if key is not None else new_key()
        self.object_key = storage.object_key(self.key)
        self.size = 0
        self.head = b""
        self.max_buffered = 0  # the most bytes this upload held at once (tests check it stays ~a part)
        self._hash = hashlib.sha256()
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self._closed = False

    async def write(self, data: bytes) -> None:
        await self._count(data)
        self._buffer += data
        self.max_buffered = max(self.max_buffered, len(self._buffer))
        while len(self._buffer) >= PART_SIZE:
            try:
                await self._send_part(self._take(PART_SIZE))
            except (BotoCoreError, ClientError) as error:
                await self.discard()
                raise StorageUnavailable(str(error)) from error

    def _take(self, size: int) -> bytes:
        """The first `size` bytes of the buffer, removed from it: one copy, as bytes (the SDK wraps
        bytes in a stream without copying them again, a bytearray it would copy)."""
        with memoryview(self._buffer) as view:
            part = bytes(view[:size])
        del self._buffer[:size]
        return part

    async def _send_part(self, part: bytes) -> None:
        client = await self.storage.client()
        bucket = self.storage.location.bucket
        if self._upload_id is None:
            created = await client.create_multipart_upload(
                Bucket=bucket, Key=self.object_key, **OBJECT_HEADERS
            )
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        sent = await client.upload_part(
            Bucket=bucket, Key=self.object_key, UploadId=self._upload_id, PartNumber=number, Body=part
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def commit(self) -> StoredFile:
        """Make the object visible under its key; the caller then commits the row that names it."""
        if self._closed:
            raise RuntimeError("upload already finished")
        client = await self.storage.client()
        bucket = self.storage.location.bucket
        try:
            if self._upload_id is None:
                body = self._take(len(self._buffer))
                await client.put_object(Bucket=bucket, Key=self.object_key, Body=body, **OBJECT_HEADERS)
            else:
                if self._buffer:
                    await self._send_part(self._take(len(self._buffer)))
                await client.complete_multipart_upload(
                    Bucket=bucket,
                    Key=self.object_key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
        except (BotoCoreError, ClientError) as error:
            await self.discard()
            raise StorageUnavailable(str(error)) from error
        except BaseException:
            await self.discard()
            raise
        self._buffer.clear()
        self._closed = True
        return StoredFile(key=self.key, size=self.size, sha256=self.sha256, head=self.head)

    async def discard(self) -> None:
        """Drop what was received; an abort that fails is left to the sweep (never raised: this runs
        while another error is on its way)."""
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        if self._upload_id is None:
            return
        try:
            client = await self.storage.client()
            await client.abort_multipart_upload(
                Bucket=self.storage.location.bucket, Key=self.object_key, UploadId=self._upload_id
            )
        except Exception:
            log.warning("could not abort the multipart upload of %s: the sweep will", self.object_key)


class S3Storage:
    """Files as objects `<prefix>files/<key>` in one bucket (`S3Location`)."""

    def __init__(self, location: S3Location) -> None:
        self.location = location
        self.files_prefix = f"{location.prefix}files/"
        self._client = None
        self._stack: contextlib.AsyncExitStack | None = None
        self._lock: asyncio.Lock | None = None

    def object_key(self, key: str) -> str:
        return self.files_prefix + check_key(key)

    async def client(self):
        """The SDK client, opened at first use (once, however many requests ask at the same time)."""
        if self._client is not None:
            return self._client
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._client is None:
                location = self.location
                config = AioConfig(
                    signature_version="s3v4",
                    s3={"addressing_style": location.addressing},
                    # The SDK's default checksums (CRC32 on every upload) are refused by several
                    # S3-compatible stores: send them only where the API requires one.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
                    connect_timeout=10,
                    read_timeout=60,
                    max_pool_connections=MAX_CONNECTIONS,
                )
                stack = contextlib.AsyncExitStack()
                self._client = await stack.enter_async_context(
                    _shared_session().create_client(
                        "s3", endpoint_url=location.endpoint, region_name=location.region, config=config
                    )
                )
                self._stack = stack
        return self._client

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    def begin(self, *, max_bytes: int, key: str | None = None) -> S3PendingUpload:
        return S3PendingUpload(self, max_bytes, key)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes as the store sends them (FileNotFoundError if there is no such object)."""
        object_key = self.object_key(key)
        client = await self.client()
        try:
            response = await client.get_object(Bucket=self.location.bucket, Key=object_key)
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(object_key) from None
            raise
        async with response["Body"] as body:
            while chunk := await body.read(READ_CHUNK):
                yield chunk

    async def size_of(self, key: str) -> int | None:
        client = await self.client()
        try:
            found = await client.head_object(Bucket=self.location.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return int(found["ContentLength"])

    async def delete(self, key: str) -> None:
        client = await self.client()
        await client.delete_object(Bucket=self.location.bucket, Key=self.object_key(key))

    async def download_url(self, key: str, *, filename: str) -> str | None:
        """With `download=signed`: a GET URL signed for `expires` seconds that makes the store send
        the file as an attachment named `filename`, never cached. Otherwise None (proxied)."""
        if self.location.download != "signed":
            return None
        client = await self.client()
        return await client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self.object_key(key),
                "ResponseContentDisposition": attachment_disposition(filename),
                "ResponseContentType": "application/octet-stream",
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=self.location.expires,
        )

    async def sweep_orphans(
        self, known_keys: Iterable[str], *, min_age_seconds: float = ORPHAN_AGE_SECONDS
    ) -> int:
        """Delete objects under `files/` that no row names and abort incomplete multipart uploads,
        both older than the age; what is not named like a key is left alone."""
        known = set(known_keys)
        cutoff = datetime.fromtimestamp(time.time() - min_age_seconds, tz=UTC)
        client = await self.client()
        bucket = self.location.bucket
        removed = 0
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=self.files_prefix)
        async for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.files_prefix) :]
                if not KEY_RE.match(name) or name in known or item["LastModified"] > cutoff:
                    continue
                await client.delete_object(Bucket=bucket, Key=item["Key"])
                removed += 1
                log.info("swept orphan upload %s", item["Key"])
        uploads = client.get_paginator("list_multipart_uploads").paginate(
            Bucket=bucket, Prefix=self.files_prefix
        )
        async for page in uploads:
            for item in page.get("Uploads", []):
                if item["Initiated"] > cutoff:
                    continue
                with contextlib.suppress(ClientError):  # finished or aborted meanwhile
                    await client.abort_multipart_upload(
                        Bucket=bucket, Key=item["Key"], UploadId=item["UploadId"]
                    )
                    removed += 1
                    log.info("aborted abandoned upload %s", item["Key"])
        return removed
