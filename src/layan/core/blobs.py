"""A content-addressed store for uploaded and issued files, on local disk.

A file is named by the SHA-256 of its bytes, so storing the same file twice costs
nothing and a stored file cannot change without its name changing. Files are written
before the database transaction that refers to them: a rolled-back submission leaves
at most an unreferenced file, never a record without its file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_HEX = frozenset("0123456789abcdef")


class BlobStore:
    """Files by their SHA-256, under one folder outside any web root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or not _HEX.issuperset(digest):
            raise ValueError("not a SHA-256 digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, content: bytes) -> str:
        """Store `content` and return its digest; atomic, so a crash leaves no torn file."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def head(self, digest: str, size: int = 16) -> bytes:
        """The first bytes of a stored file, enough to tell its type."""
        with self.path(digest).open("rb") as handle:
            return handle.read(size)

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def delete(self, digest: str) -> bool:
        """Remove a stored file; False if it was not there. The caller makes sure that no
        record refers to it any more (the same bytes may belong to several records)."""
        target = self.path(digest)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        return True
