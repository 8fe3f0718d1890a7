"""A bounded load generator: a fixed list of requests, a fixed concurrency, a time cap.

Requests are encoded before the clock starts and sent over keep-alive HTTP/1.1
connections on asyncio streams, so the generator spends little CPU per request (a
small fraction of what a full client library costs) and the server, not the client,
sets the pace. Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

REQUEST_TIMEOUT = 30.0


def http_request(
    method: str, path: str, *, body: bytes = b"", content_type: str | None = None
) -> bytes:
    """One HTTP/1.1 request, keep-alive, as the bytes sent on the wire."""
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: layan-bench"]
    if content_type:
        head.append(f"Content-Type: {content_type}")
    if body or method in {"POST", "PUT", "PATCH"}:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def multipart(
    json_part: tuple[str, str], file_part: tuple[str, str, str, bytes]
) -> tuple[bytes, str]:
    """A multipart/form-data body with one text part and one file part, and its content type."""
    boundary = uuid.uuid4().hex
    name, text = json_part
    file_name, filename, file_type, content = file_part
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode(),
            text.encode("utf-8"),
            f"\r\n--{boundary}\r\n".encode(),
            (
                f'Content-Disposition: form-data; name="{file_name}"; filename="{filename}"\r\n'
                f"Content-Type: {file_type}\r\n\r\n"
            ).encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return body, f"multipart/form-data; boundary={boundary}"


@dataclass
class RunStats:
    """What one run of requests against one server measured."""

    label: str
    planned: int
    done: int = 0
    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    capped: bool = False
    latencies: list[float] = field(default_factory=list, repr=False)
    bodies: list[bytes] = field(default_factory=list, repr=False)
    first_error: str = ""
    client_cpu: float = 0.0
    server_cpu: float = 0.0

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency at percentile `p` (0-100) in milliseconds, nearest rank."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU time per request, in milliseconds."""
        return self.server_cpu / self.done * 1000 if self.done else float("nan")

    def json_bodies(self) -> list[Any]:
        return [json.loads(b) for b in self.bodies]


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, raw: bytes) -> tuple[int, bytes, bool]:
        """Send one request; the status, the body and whether the server closes."""
        self.writer.write(raw)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        body = await self._chunked() if chunked else await self.reader.readexactly(length)
        return status, body, close

    async def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        self.writer.close()


async def _open(host: str, port: int) -> _Connection:
    return _Connection(*await asyncio.open_connection(host, port))


async def _drive(
    host: str,
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    cap_seconds: float,
    stats: RunStats,
    keep_bodies: bool,
) -> None:
    connections: list[_Connection | None] = [await _open(host, port) for _ in range(concurrency)]
    pending = iter(range(len(requests)))
    results: list[bytes | None] = [None] * len(requests)
    start = time.perf_counter()
    deadline = start + cap_seconds

    async def worker(slot: int) -> None:
        for index in pending:
            if time.perf_counter() > deadline:
                stats.capped = True
                return
            sent = time.perf_counter()
            try:
                conn = connections[slot] or await _open(host, port)
                connections[slot] = conn
                status, body, close = await asyncio.wait_for(
                    conn.exchange(requests[index]), REQUEST_TIMEOUT
                )
            except (
                OSError,
                ValueError,
                IndexError,
                asyncio.IncompleteReadError,
                TimeoutError,
            ) as exc:
                status, body, close = 0, repr(exc).encode(), True
            stats.latencies.append(time.perf_counter() - sent)
            stats.done += 1
            if 200 <= status < 300:
                stats.ok += 1
                if keep_bodies:
                    results[index] = body
            else:
                stats.errors += 1
                if not stats.first_error:
                    stats.first_error = f"{status}: {body[:300].decode('utf-8', 'replace')}"
            if close and connections[slot] is not None:
                connections[slot].close()  # type: ignore[union-attr]
                connections[slot] = None

    try:
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    finally:
        stats.seconds = time.perf_counter() - start
        for conn in connections:
            if conn is not None:
                conn.close()
    stats.bodies = [b for b in results if b is not None]


def run_requests(
    label: str,
    base_url: str,
    requests: Sequence[bytes],
    *,
    concurrency: int,
    cap_seconds: float,
    keep_bodies: bool = False,
) -> RunStats:
    """Send every request (or as many as `cap_seconds` allows) with `concurrency` in flight."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the load generator only targets loopback addresses, not {host}")
    stats = RunStats(label, len(requests))
    cpu = time.process_time()
    asyncio.run(_drive(host, int(port), requests, concurrency, cap_seconds, stats, keep_bodies))
    stats.client_cpu = time.process_time() - cpu
    return stats
