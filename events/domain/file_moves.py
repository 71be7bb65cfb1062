"""Moving the uploaded files from one storage to another (`hackcity migrate-uploads`).

Every file an entry or an image row names is copied under the same key, streamed chunk by chunk from
the source into the target, and counted and hashed on the way: it is committed in the target only
when its size and SHA-256 are those its row recorded at upload. A file the target already holds with
the recorded size is skipped, so the command can be run again after an interruption, or just before
switching `UPLOAD_STORAGE`, and copies only what is new. Nothing is ever deleted from the source.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from events.models import EntryFile, Image
from events.storage import FileTooLarge, Storage

PARALLEL_COPIES = 4  # an object store answers each request in some milliseconds: overlap a few


@dataclass
class MoveReport:
    copied: int = 0
    present: int = 0  # already in the target with the recorded size
    missing: list[str] = field(default_factory=list)  # keys the source does not hold
    differing: list[str] = field(default_factory=list)  # keys whose bytes differ from their row

    @property
    def complete(self) -> bool:
        return not self.missing and not self.differing


async def migrate_uploads(*, source: Storage, target: Storage) -> MoveReport:
    """Copy every file the database names from `source` to `target` (see the module's docstring)."""
    rows = await EntryFile.all().order_by("id").values_list("storage_key", "size", "sha256")
    rows += await Image.all().order_by("id").values_list("storage_key", "size", "sha256")
    report = MoveReport()
    queue: asyncio.Queue[tuple[str, int, str]] = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)

    async def worker() -> None:
        while not queue.empty():
            key, size, sha256 = queue.get_nowait()
            outcome = await _copy(key, size, sha256, source=source, target=target)
            if outcome == "copied":
                report.copied += 1
            elif outcome == "present":
                report.present += 1
            else:
                getattr(report, outcome).append(key)

    await asyncio.gather(*(worker() for _ in range(PARALLEL_COPIES)))
    report.missing.sort()
    report.differing.sort()
    return report


async def _copy(key: str, size: int, sha256: str, *, source: Storage, target: Storage) -> str:
    if await target.size_of(key) == size:
        return "present"
    pending = target.begin(max_bytes=size, key=key)
    try:
        async for chunk in source.open(key):
            await pending.write(chunk)
    except FileNotFoundError:
        await pending.discard()
        return "missing"
    except FileTooLarge:  # more bytes than recorded: already discarded
        return "differing"
    except BaseException:
        await pending.discard()
        raise
    if pending.size != size or pending.sha256 != sha256:
        await pending.discard()
        return "differing"
    await pending.commit()
    return "copied"
