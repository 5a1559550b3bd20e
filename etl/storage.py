"""The original bytes of every accepted return, stored content-addressed for audit (never inside a web root).

A file lives at `<storage_dir>/<sha[:2]>/<sha>`; the database keeps the relative part (`ab/ab12…`). Writing goes
through a temporary file and an atomic rename, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from etl.config import get_settings


def sha256(data: bytes) -> str:
    """Hex SHA-256 of the bytes: the file's identity."""
    return hashlib.sha256(data).hexdigest()


def relative_path(sha: str) -> str:
    """Where a file with this hash lives below the storage folder."""
    return f"{sha[:2]}/{sha}"


def resolve(stored_path: str, root: Path | None = None) -> Path:
    """The absolute path of an `uploads.stored_path`."""
    return (root or get_settings().storage_dir) / stored_path


def store(data: bytes, root: Path | None = None) -> str:
    """Store `data` (once; identical bytes share a file) and return its relative path."""
    sha = sha256(data)
    target = resolve(relative_path(sha), root)
    if target.exists() and target.stat().st_size == len(data):
        return relative_path(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o440)  # originals are evidence: read-only
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative_path(sha)


def read(stored_path: str, root: Path | None = None) -> bytes:
    """The stored original."""
    return resolve(stored_path, root).read_bytes()
