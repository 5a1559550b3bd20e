"""The original bytes of every accepted return, stored content-addressed for audit (never inside a web root).

A file lives at `<storage_dir>/<sha[:2]>/<sha>`; the database keeps the relative part (`ab/ab12…`). An ingest
*stages* the bytes (a temporary file, written and synced) inside its transaction and *promotes* them to their
final name (an atomic rename) only once the transaction has committed, so a crash or a failed transaction never
leaves a stored original that no row references. `raak storage check` finds what a crash between commit and
rename can still leave (see :func:`check`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from etl.config import get_settings

STAGED_PREFIX = ".incoming-"  # `.incoming-<sha>-<random>`: staged, not yet promoted
STAGED_GRACE = timedelta(hours=1)  # a staged file younger than this may belong to an ingest still running
SHA_HEX_LENGTH = 64


def sha256(data: bytes) -> str:
    """Hex SHA-256 of the bytes: the file's identity."""
    return hashlib.sha256(data).hexdigest()


def relative_path(sha: str) -> str:
    """Where a file with this hash lives below the storage folder."""
    return f"{sha[:2]}/{sha}"


def resolve(stored_path: str, root: Path | None = None) -> Path:
    """The absolute path of an `uploads.stored_path`."""
    return (root or get_settings().storage_dir) / stored_path


def _present(target: Path, size: int) -> bool:
    return target.is_file() and target.stat().st_size == size


def _write_staged(data: bytes, sha: str, folder: Path) -> Path:
    """Write `data` to a new staged file in `folder`, synced and read-only (originals are evidence)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f"{STAGED_PREFIX}{sha}-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o440)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


@dataclass
class Staging:
    """Originals written during a transaction and renamed into place only after it commits.

    Use as `with Staging() as staging:` around the transaction; call :meth:`promote` after the commit. Leaving the
    block by an exception (or without promoting) removes every staged file, so nothing unreferenced stays behind.
    """

    root: Path | None = None
    _staged: list[tuple[Path, Path]] = field(default_factory=list)

    def add(self, data: bytes) -> str:
        """Stage `data` (unless identical bytes are stored already) and return the relative path to record."""
        sha = sha256(data)
        stored_path = relative_path(sha)
        target = resolve(stored_path, self.root)
        if not _present(target, len(data)):
            self._staged.append((_write_staged(data, sha, target.parent), target))
        return stored_path

    def promote(self) -> None:
        """Rename every staged file to its final name (call only after the transaction committed)."""
        while self._staged:
            staged, target = self._staged.pop(0)
            os.replace(staged, target)

    def discard(self) -> None:
        """Remove every staged file that was not promoted."""
        while self._staged:
            staged, _target = self._staged.pop()
            staged.unlink(missing_ok=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.discard()


def read(stored_path: str, root: Path | None = None) -> bytes:
    """The stored original."""
    return resolve(stored_path, root).read_bytes()


# --- raak storage check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageCheck:
    """What the storage folder and the database disagree on (paths relative to the storage folder)."""

    orphans: list[str]  # stored (or stale staged) files that no upload row references
    missing: list[str]  # `uploads.stored_path` values whose file is absent
    recoverable: list[str] = field(default_factory=list)  # staged files holding the bytes of a missing original

    @property
    def ok(self) -> bool:
        return not (self.orphans or self.missing)


def list_files(root: Path) -> list[Path]:
    """Every file below the storage folder."""
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.is_dir() else []


def _staged_sha(path: Path) -> str | None:
    """The hash a staged file's name announces, or None for any other name."""
    if not path.name.startswith(STAGED_PREFIX):
        return None
    sha = path.name.removeprefix(STAGED_PREFIX)[:SHA_HEX_LENGTH]
    return sha if len(sha) == SHA_HEX_LENGTH else None


def check(root: Path, files: list[Path], referenced: Collection[str], now: datetime | None = None) -> StorageCheck:
    """Compare `files` (listed *before* the rows were read, so a file promoted meanwhile is not taken for an orphan)
    with the `referenced` stored paths; staged files younger than STAGED_GRACE are left alone (an ingest may still
    be running)."""
    moment = (now or datetime.now(UTC)).timestamp()
    wanted = set(referenced)
    missing = sorted(path for path in wanted if not resolve(path, root).is_file())
    missing_shas = {Path(path).name for path in missing}
    orphans, recoverable = [], []
    for path in files:
        relative = path.relative_to(root).as_posix()
        staged_sha = _staged_sha(path)
        if staged_sha is None:
            if relative not in wanted:
                orphans.append(relative)
        elif staged_sha in missing_shas and sha256(path.read_bytes()) == staged_sha:
            recoverable.append(relative)
        elif moment - path.stat().st_mtime > STAGED_GRACE.total_seconds():
            orphans.append(relative)
    return StorageCheck(orphans, missing, recoverable)


def fix(root: Path, found: StorageCheck) -> StorageCheck:
    """Remove the orphans and promote recoverable staged files; referenced files are never touched."""
    restored = set()
    for relative in found.recoverable:
        staged = root / relative
        sha = _staged_sha(staged) or ""
        os.replace(staged, staged.parent / sha)
        restored.add(relative_path(sha))
    for relative in found.orphans:
        (root / relative).unlink(missing_ok=True)
    return StorageCheck([], [path for path in found.missing if path not in restored])
