"""The original bytes of every accepted return, stored content-addressed for audit (never inside a web root).

Files live in a :class:`Store`: a local folder by default (RAAK_STORAGE_DIR), or an S3-compatible bucket when
RAAK_STORAGE_URL names one (`s3://bucket/prefix`, through fsspec/s3fs), so every machine reads the same files.
A file lives at `<root>/<sha[:2]>/<sha>`; the database keeps the relative part (`ab/ab12…`). An ingest *stages*
the bytes (a temporary name, written in full) inside its transaction and *promotes* them to their final name only
once the transaction has committed (a rename on disk, copy-then-delete on S3), so a crash or a failed transaction
never leaves a stored original that no row references. `raak storage check` finds what a crash between commit and
promotion can still leave (see :func:`check`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from etl.store.config import get_settings

STAGED_PREFIX = ".incoming-"  # `.incoming-<sha>-<random>`: staged, not yet promoted
STAGED_GRACE = timedelta(hours=1)  # a staged file younger than this may belong to an ingest still running
SHA_HEX_LENGTH = 64
RETURNS_FOLDER = "returns"  # below RAAK_STORAGE_URL: the stored originals
EXPORTS_FOLDER = "exports"  # below RAAK_STORAGE_URL (or the instance folder): finished export jobs
ENDPOINT_ENV = "AWS_ENDPOINT_URL"  # an S3-compatible service other than AWS (MinIO, Ceph, a test server)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of the bytes: the file's identity."""
    return hashlib.sha256(data).hexdigest()


def relative_path(sha: str) -> str:
    """Where a file with this hash lives below the storage root."""
    return f"{sha[:2]}/{sha}"


@dataclass(frozen=True, order=True)
class StoredFile:
    """A file of a store: its path below the root and when it was last written (POSIX seconds)."""

    relative: str
    modified: float


def _filesystem_options(url: str) -> dict[str, Any]:
    """fsspec options for `url`: S3 reads its credentials from AWS_* variables; no listing cache, because another
    machine may have written a file since."""
    if url.startswith(("s3://", "s3a://")):
        options: dict[str, Any] = {"use_listings_cache": False}
        if os.environ.get(ENDPOINT_ENV):
            options["endpoint_url"] = os.environ[ENDPOINT_ENV]
        return options
    return {}


def _modified(info: dict[str, Any]) -> float:
    """A listing entry's modification time: `mtime` on disk, `LastModified` on S3."""
    moment = info.get("mtime", info.get("LastModified", info.get("last_modified")))
    if isinstance(moment, datetime):
        return moment.timestamp()
    return float(moment) if moment is not None else 0.0


class Store:
    """A folder of files on local disk or in an object store, addressed by paths relative to its root."""

    def __init__(self, location: str | Path) -> None:
        self.location = str(location)
        self.fs, root = fsspec.core.url_to_fs(self.location, **_filesystem_options(self.location))
        self.root = root.rstrip("/")
        self.local = isinstance(self.fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    def path(self, relative: str) -> str:
        """The full path of `relative` on the store's file system."""
        return f"{self.root}/{relative}"

    def present(self, relative: str, size: int | None = None) -> bool:
        """Whether the file exists (with `size` bytes, when given)."""
        try:
            info = self.fs.info(self.path(relative))
        except FileNotFoundError:
            return False
        return info.get("type") == "file" and (size is None or info.get("size") == size)

    def read(self, relative: str) -> bytes:
        """The file's bytes."""
        return self.fs.cat_file(self.path(relative))

    def open(self, relative: str) -> IO[bytes]:
        """The file, open for reading (the caller closes it)."""
        return self.fs.open(self.path(relative), "rb")

    def write(self, relative: str, data: bytes) -> None:
        """Replace the file in one step, so a reader on any machine sees the old or the new bytes, never half."""
        if not self.local:
            self.fs.pipe_file(self.path(relative), data)  # an S3 PUT is atomic
            return
        target = Path(self.path(relative))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".write-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)

    def upload(self, relative: str, source: Path) -> None:
        """Copy the local file `source` into the store."""
        self.fs.put_file(str(source), self.path(relative))

    def move(self, source: str, target: str) -> None:
        """Give a file its final name (an atomic rename on disk; copy, then delete, on S3)."""
        if self.local:
            os.replace(self.path(source), self.path(target))
        else:
            self.fs.copy(self.path(source), self.path(target))
            self.fs.rm_file(self.path(source))

    def delete(self, relative: str) -> None:
        """Remove the file if it is there."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(relative))

    def delete_folder(self, relative: str) -> None:
        """Remove a folder and everything below it, if it is there."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(self.path(relative), recursive=True)

    def files(self, below: str = "") -> list[StoredFile]:
        """Every file below the root (or below `below`), sorted by path."""
        top = self.path(below) if below else self.root
        try:
            found = self.fs.find(top, detail=True)
        except FileNotFoundError:
            return []
        prefix = self.root + "/"
        return sorted(
            StoredFile(name.removeprefix(prefix), _modified(info))
            for name, info in found.items()
            if info.get("type") == "file"
        )

    def stage(self, data: bytes, sha: str, folder: str) -> str:
        """Write `data` under a staged name in `folder` and return that name (relative); on disk the file is synced
        and read-only (originals are evidence)."""
        if self.local:
            return Path(_write_staged(data, sha, Path(self.path(folder)))).relative_to(self.root).as_posix()
        staged = f"{folder}/{STAGED_PREFIX}{sha}-{secrets.token_hex(8)}"
        self.fs.pipe_file(self.path(staged), data)
        return staged


def returns_store() -> Store:
    """Where stored originals live: RAAK_STORAGE_URL/returns, else the folder RAAK_STORAGE_DIR."""
    settings = get_settings()
    if settings.storage_url:
        return Store(f"{settings.storage_url.rstrip('/')}/{RETURNS_FOLDER}")
    return Store(settings.storage_dir)


def exports_store() -> Store:
    """Where finished export jobs live: RAAK_STORAGE_URL/exports, else the instance folder's `exports`."""
    settings = get_settings()
    if settings.storage_url:
        return Store(f"{settings.storage_url.rstrip('/')}/{EXPORTS_FOLDER}")
    return Store(settings.instance_dir / EXPORTS_FOLDER)


def as_store(root: Store | Path | str | None) -> Store:
    """`root` as a store: a store as it is, a folder or URL wrapped, None for the configured returns store."""
    if root is None:
        return returns_store()
    return root if isinstance(root, Store) else Store(root)


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
    """Originals written during a transaction and given their final name only after it commits.

    Use as `with Staging() as staging:` around the transaction; call :meth:`promote` after the commit. Leaving the
    block by an exception (or without promoting) removes every staged file, so nothing unreferenced stays behind.
    `root` is a store, a folder or a URL; None means the configured returns store.
    """

    root: Store | Path | str | None = None
    _staged: list[tuple[str, str]] = field(default_factory=list)
    _store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = as_store(self.root)
        return self._store

    def add(self, data: bytes) -> str:
        """Stage `data` (unless identical bytes are stored already) and return the relative path to record."""
        sha = sha256(data)
        stored_path = relative_path(sha)
        if not self.store.present(stored_path, len(data)):
            self._staged.append((self.store.stage(data, sha, stored_path.rsplit("/", 1)[0]), stored_path))
        return stored_path

    def promote(self) -> None:
        """Give every staged file its final name (call only after the transaction committed)."""
        while self._staged:
            staged, target = self._staged.pop(0)
            self.store.move(staged, target)

    def discard(self) -> None:
        """Remove every staged file that was not promoted."""
        while self._staged:
            staged, _target = self._staged.pop()
            self.store.delete(staged)

    def __enter__(self) -> Staging:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.discard()


def read(stored_path: str, root: Store | Path | str | None = None) -> bytes:
    """The stored original."""
    return as_store(root).read(stored_path)


# --- raak storage check -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StorageCheck:
    """What the store and the database disagree on (paths relative to the store's root)."""

    orphans: list[str]  # stored (or stale staged) files that no upload row references
    missing: list[str]  # `uploads.stored_path` values whose file is absent
    recoverable: list[str] = field(default_factory=list)  # staged files holding the bytes of a missing original

    @property
    def ok(self) -> bool:
        return not (self.orphans or self.missing)


def _staged_sha(relative: str) -> str | None:
    """The hash a staged file's name announces, or None for any other name."""
    name = relative.rsplit("/", 1)[-1]
    if not name.startswith(STAGED_PREFIX):
        return None
    sha = name.removeprefix(STAGED_PREFIX)[:SHA_HEX_LENGTH]
    return sha if len(sha) == SHA_HEX_LENGTH else None


def check(
    root: Store | Path | str | None,
    files: list[StoredFile],
    referenced: Collection[str],
    now: datetime | None = None,
) -> StorageCheck:
    """Compare `files` (listed *before* the rows were read, so a file promoted meanwhile is not taken for an orphan)
    with the `referenced` stored paths; staged files younger than STAGED_GRACE are left alone (an ingest may still
    be running)."""
    store = as_store(root)
    moment = (now or datetime.now(UTC)).timestamp()
    wanted = set(referenced)
    missing = sorted(path for path in wanted if not store.present(path))
    missing_shas = {path.rsplit("/", 1)[-1] for path in missing}
    orphans, recoverable = [], []
    for stored in files:
        staged_sha = _staged_sha(stored.relative)
        if staged_sha is None:
            if stored.relative not in wanted:
                orphans.append(stored.relative)
        elif staged_sha in missing_shas and sha256(store.read(stored.relative)) == staged_sha:
            recoverable.append(stored.relative)
        elif moment - stored.modified > STAGED_GRACE.total_seconds():
            orphans.append(stored.relative)
    return StorageCheck(orphans, missing, recoverable)


def fix(root: Store | Path | str | None, found: StorageCheck) -> StorageCheck:
    """Remove the orphans and promote recoverable staged files; referenced files are never touched."""
    store = as_store(root)
    restored = set()
    for relative in found.recoverable:
        sha = _staged_sha(relative) or ""
        store.move(relative, relative_path(sha))
        restored.add(relative_path(sha))
    for relative in found.orphans:
        store.delete(relative)
    return StorageCheck([], [path for path in found.missing if path not in restored])
