"""A throwaway PostgreSQL server on loopback, started and stopped by the test suite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("LAYAN_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Memory-backed storage for the suite's servers, where the machine has room: each test
# copies the base database (about 11 MB), which on a disk costs several times as long.
SHM = Path("/dev/shm")


def _folder(in_memory: bool) -> str | None:
    usable = in_memory and SHM.is_dir() and os.access(SHM, os.W_OK)
    return str(SHM) if usable and shutil.disk_usage(SHM).free > 2 << 30 else None


class PostgresServer:
    """initdb + pg_ctl in a temporary folder; as root, run as the `postgres` user.

    `in_memory` puts the folder in /dev/shm when there is one with room (for tests; a
    benchmark measures a server on disk)."""

    def __init__(self, *, in_memory: bool = False) -> None:
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="layan-pg-", dir=_folder(in_memory)))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {PG_BIN}")
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            PG_BIN / "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self._serve("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def start_standby(self, primary: PostgresServer) -> str:
        """A streaming replica of `primary` (pg_basebackup -R), read-only, on its own port."""
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            PG_BIN / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        self._serve("-c hot_standby=on")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _serve(self, settings: str) -> None:
        """pg_ctl start on this server's port and socket folder, loopback only."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            f"-c max_connections=200 {settings}"
        )
        self._run(
            PG_BIN / "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
