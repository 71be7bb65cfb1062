"""A bounded asyncio load generator: N keep-alive HTTP/1.1 connections, each sending its next request as
soon as the previous answer is read, for a fixed time. Used by `bench/run.py` (`make bench`).

Written on asyncio streams rather than an HTTP client library on purpose: the generator shares a
2-core machine with the server it measures, and a full client costs several times more CPU per
request than these few lines, which would cap the ceilings first. It speaks just what the app and
the ceiling answer: a status line, headers, a body by Content-Length or chunked.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Result:
    """What one run measured. `latencies` in seconds, of the answers counted as successes."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str = ""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]

    @property
    def p50_ms(self) -> float:
        return 1000 * self.percentile(0.50)

    @property
    def p99_ms(self) -> float:
        return 1000 * self.percentile(0.99)


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """One request, its whole answer read: (status, body)."""
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(length or 0)
        if close:
            self.close()
        return status, body


Next = Callable[[int, int], Request]  # (connection number, request number on it) -> the request
Done = Callable[[int, int, int, bytes], None]  # (connection, request number, status, body)


async def run(
    *,
    host: str,
    port: int,
    concurrency: int,
    seconds: float,
    next_request: Next,
    ok: Callable[[int], bool] = lambda status: status == 200,
    on_answer: Done | None = None,
    max_requests: int | None = None,
) -> Result:
    """Keep `concurrency` connections busy for `seconds` (or until `max_requests` per connection)."""
    host_header = f"{host}:{port}"
    result = Result(seconds=seconds)
    deadline = time.perf_counter() + seconds

    async def worker(number: int) -> None:
        connection = Connection(host, port)
        count = 0
        try:
            while time.perf_counter() < deadline and (max_requests is None or count < max_requests):
                raw = next_request(number, count).encode(host_header)
                started = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(connection.send(raw), timeout=60)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
                    connection.close()
                    result.errors += 1
                    result.first_error = result.first_error or f"{type(error).__name__}: {error}"
                    count += 1
                    continue
                elapsed = time.perf_counter() - started
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if ok(status):
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
                    result.first_error = result.first_error or f"HTTP {status}: {body[:200]!r}"
                if on_answer is not None:
                    on_answer(number, count, status, body)
                count += 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(number) for number in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result
