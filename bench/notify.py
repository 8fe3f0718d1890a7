"""The outbox against a local SMTP sink: `python -m bench.notify`.

For each backend: the demo regency, a burst of full submissions through the API (Layan
under uvicorn on 127.0.0.1, with its server CPU measured), then in process the worker's
outbox: deriving the messages of the events the burst made, and sending them to an SMTP
sink (aiosmtpd's Sink, in its own process on loopback). Beside it, the floor: the same
number of emails sent by bare `smtplib` over one connection, with no database at all.

- emails/s: messages sent (each recorded as delivered) per second of dispatch (target:
  at least 200/s);
- the outbox's CPU (deriving and sending, in the worker) per submission, as a share of
  the intake's CPU per submission in the server (target: under 10%).

Results go to the "notify" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from email.mime.text import MIMEText
from pathlib import Path

from sqlalchemy import func, select

from bench.load import run_requests
from bench.results import machine, today, write_section
from bench.run import LAYAN, SECRET, backend_urls, intake_requests, layan_server, prepare_layan
from bench.servers import ServerStartError, free_port
from layan.core.db import Database
from layan.notify import rules
from layan.notify.channels import Channels
from layan.notify.dispatch import dispatch_all
from layan.notify.models import Message
from layan.notify.outbox import Outbound, derive_messages

TARGET_EMAILS = 200.0
TARGET_SHARE = 0.10


@dataclass
class Result:
    name: str
    version: str
    submissions: int = 0
    intake_cpu: float = 0.0  # server CPU seconds for the burst
    derive_seconds: float = 0.0
    derive_cpu: float = 0.0
    dispatch_seconds: float = 0.0
    dispatch_cpu: float = 0.0
    delivered: int = 0
    floor_seconds: float = 0.0

    @property
    def emails_per_second(self) -> float:
        return self.delivered / self.dispatch_seconds if self.dispatch_seconds else 0.0

    @property
    def floor_per_second(self) -> float:
        return self.delivered / self.floor_seconds if self.floor_seconds else 0.0

    @property
    def share(self) -> float:
        outbox = self.derive_cpu + self.dispatch_cpu
        return outbox / self.intake_cpu if self.intake_cpu else float("inf")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class SmtpSink:
    """aiosmtpd's Sink (accepts and drops every message) in its own process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}"]
        command += ["-c", "aiosmtpd.handlers.Sink"]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=2) as smtp:
                    smtp.noop()
                return self
            except OSError:
                time.sleep(0.1)
        raise ServerStartError("the SMTP sink did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _floor(url: str, count: int) -> float:
    """Seconds bare smtplib takes to send `count` small emails over one connection."""
    port = int(url.rsplit(":", 1)[1])
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for n in range(count):
            body = "Permohonan Anda diterima. Lacak di http://127.0.0.1:8000/lacak/x"
            email = MIMEText(body, "plain", "utf-8")
            email["From"], email["To"] = "Layan <layan@localhost>", f"warga{n}@contoh.id"
            email["Subject"] = f"Permohonan {n} diterima"
            smtp.sendmail("layan@localhost", [f"warga{n}@contoh.id"], email.as_bytes())
    return time.perf_counter() - started


def _delivered(db: Database) -> int:
    with db.unit_of_work(readonly=True) as uow:
        stmt = select(func.count(Message.id)).where(Message.status == rules.DELIVERED)
        return int(uow.session.execute(stmt).scalar_one())


def bench_backend(name: str, args: argparse.Namespace) -> Result:
    _say(f"{name}: {args.count:,} submissions, then their messages to an SMTP sink")
    with (
        tempfile.TemporaryDirectory(prefix=f"layan-notify-{name}-") as tmp,
        backend_urls(name, Path(tmp)) as (url, _floor_url, version),
        SmtpSink() as sink,
    ):
        work = Path(tmp)
        result = Result(name, version)
        submissions = prepare_layan(url, work / "data", args.count, args.seed)
        server = layan_server(url, work)
        db = Database(url)
        try:
            server.start()
            derive_messages(db, Outbound("http://127.0.0.1:8000", SECRET))  # the demo's past
            cpu = server.cpu_seconds()
            stats = run_requests(
                "intake",
                server.base_url,
                intake_requests(LAYAN, submissions),
                concurrency=args.concurrency,
                cap_seconds=300,
            )
            result.intake_cpu = server.cpu_seconds() - cpu
            result.submissions = stats.ok
            _say(f"  intake: {stats.ok} in {stats.seconds:.1f} s, CPU {result.intake_cpu:.1f} s")
            if stats.first_error:
                _say(f"    first error: {stats.first_error}")
            server.stop()
            _outbox(db, sink.url, work, result)
            result.floor_seconds = _floor(sink.url, result.delivered)
        finally:
            server.stop()
            db.dispose()
        _say(
            f"  outbox: derived in {result.derive_seconds:.2f} s, sent {result.delivered} in "
            f"{result.dispatch_seconds:.2f} s ({result.emails_per_second:,.0f}/s; floor "
            f"{result.floor_per_second:,.0f}/s); outbox CPU {result.share:.1%} of intake's"
        )
        return result


def _outbox(db: Database, smtp_url: str, work: Path, result: Result) -> None:
    outbound = Outbound("http://127.0.0.1:8000", SECRET)
    started, cpu = time.perf_counter(), time.process_time()
    while derive_messages(db, outbound)[0]:
        pass
    result.derive_seconds = time.perf_counter() - started
    result.derive_cpu = time.process_time() - cpu
    channels = Channels(smtp_url, "Layan <layan@localhost>", work / "outbox")
    before = _delivered(db)
    started, cpu = time.perf_counter(), time.process_time()
    dispatch_all(db, channels, most_batches=10_000)
    result.dispatch_seconds = time.perf_counter() - started
    result.dispatch_cpu = time.process_time() - cpu
    result.delivered = _delivered(db) - before


def render(results: list[Result], command: str, elapsed: float) -> str:
    lines = [
        "## The outbox: emails to a local SMTP sink",
        "",
        "Written by `python -m bench.notify`.",
        "",
        f"- Date: {today()}",
        f"- Command: `{command}` ({elapsed:.0f} s in all)",
        f"- Machine: {machine()}",
        "- Load: a burst of full submissions through the API (one uvicorn worker, 8 in "
        "flight), each making one email; then the worker's outbox in process: derive the "
        "messages of the new events, send them to aiosmtpd's Sink on loopback (its own "
        "process), each outcome recorded in its own transaction. The floor: bare smtplib "
        "sending as many plain-text emails over one connection, no database",
        "- Outbox share: the worker's CPU to derive and send, over the server's CPU for "
        "the intake of the same submissions",
        "",
        "| backend | emails | derive s | send s | emails/s | floor emails/s | ratio to floor "
        "| target >= 200/s | outbox CPU s | intake CPU s | outbox share | target < 10% |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        met_rate = "met" if r.emails_per_second >= TARGET_EMAILS else "**not met**"
        met_share = "met" if r.share < TARGET_SHARE else "**not met**"
        ratio = r.emails_per_second / r.floor_per_second if r.floor_per_second else 0.0
        lines.append(
            f"| {r.version} | {r.delivered:,} | {r.derive_seconds:.2f} | "
            f"{r.dispatch_seconds:.2f} | {r.emails_per_second:,.0f} | {r.floor_per_second:,.0f} "
            f"| {ratio:.2f}x | {met_rate} | {r.derive_cpu + r.dispatch_cpu:.2f} | "
            f"{r.intake_cpu:.2f} | {r.share:.1%} | {met_share} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=2000, help="submissions (one email each)")
    p.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--seed", type=int, default=11)
    args = p.parse_args(argv)
    started = time.monotonic()
    try:
        results = [bench_backend(name, args) for name in args.backends]
    except ServerStartError as exc:
        _say(f"bench: {exc}")
        return 2
    command = " ".join(["python -m bench.notify", *(argv or sys.argv[1:])])
    write_section("notify", render(results, command, time.monotonic() - started))
    _say(f"wrote bench/RESULTS.md in {time.monotonic() - started:.0f} s")
    return 0 if all(r.delivered == r.submissions for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
