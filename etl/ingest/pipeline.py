"""Ingest one returned workbook: read → validate → load, in one database transaction per file.

:func:`ingest` is the single entry point for the CLI (`raak ingest`) and the dashboard's upload page. Whatever the
input, it returns an :class:`IngestReport`: either every value landed, or nothing changed except the record of
the rejection (upload row, its issues, an audit entry), and the report says which cell to fix.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypedDict

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from etl.ingest.annotate import annotate
from etl.ingest.load import (
    accepted_upload_with_hash,
    load_accepted,
    lock_round,
    record_duplicate,
    record_rejection,
    take_write_lock,
    upload_municipalities,
)
from etl.ingest.validate import Findings, ReferenceCache, Validation, resolve_round, validate, workbook_meta
from etl.store import models as m
from etl.store import storage
from etl.store.config import Settings, get_settings
from etl.store.db import session_scope
from etl.store.issues import Issue
from etl.workbook.read import ReadResult, Workbook, clean_text, read_issue, read_workbook

UploadStatus = Literal["accepted", "rejected", "duplicate"]
DEFAULT_FILENAME = "upload"
READ_CHUNK_BYTES = 1 << 20


class UploadFacts(TypedDict):
    """What every upload row records about the file and who sent it, whatever the outcome."""

    file: str
    sha: str
    size: int
    uploader: str | None
    remote_addr: str | None


@dataclass(frozen=True)
class IngestReport:
    """The outcome of one file; `annotated` holds the marked-up copy of a rejected workbook that could be opened."""

    file: str
    status: UploadStatus
    round: str | None
    upload_id: int | None
    submission_ids: list[int] = field(default_factory=list)
    municipalities: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    annotated: bytes | None = field(default=None, repr=False)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "warning"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the annotated bytes."""
        return {
            "file": self.file,
            "status": self.status,
            "round": self.round,
            "upload_id": self.upload_id,
            "submission_ids": list(self.submission_ids),
            "municipalities": list(self.municipalities),
            "issues": [issue.to_dict() for issue in self.issues],
        }


@dataclass(frozen=True)
class Received:
    """A file as received: its bytes (empty when over the size limit, which are then not kept), size, hash, name."""

    data: bytes = field(repr=False)
    size: int
    sha: str
    name: str

    @classmethod
    def of(cls, data: bytes, name: str) -> Received:
        return cls(data, len(data), storage.sha256(data), name)


def receive(source: bytes | str | os.PathLike[str] | BinaryIO, filename: str | None, settings: Settings) -> Received:
    """Take in bytes, a path or a binary stream; a file over the size limit is hashed and counted, not kept."""
    if isinstance(source, bytes | bytearray | memoryview):
        return Received.of(bytes(source), filename or DEFAULT_FILENAME)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        with path.open("rb") as stream:
            return _from_stream(stream, filename or path.name, settings)
    return _from_stream(source, filename or Path(str(getattr(source, "name", "") or DEFAULT_FILENAME)).name, settings)


def _from_stream(stream: BinaryIO, name: str, settings: Settings) -> Received:
    data = stream.read(settings.max_upload_bytes + 1)
    if len(data) <= settings.max_upload_bytes:
        return Received.of(data, name)
    digest, size = hashlib.sha256(data), len(data)
    while chunk := stream.read(READ_CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return Received(b"", size, digest.hexdigest(), name)


def read_received(received: Received, settings: Settings) -> ReadResult:
    """Read a received file (python-calamine), refusing one above the upload limit unread."""
    if received.size > settings.max_upload_bytes:
        return ReadResult(
            None, [read_issue("file_too_large", received.name, size=received.size, limit=settings.max_upload_bytes)]
        )
    return read_workbook(received.data, received.name, settings)


def ingest(
    source: bytes | str | os.PathLike[str] | BinaryIO,
    filename: str | None = None,
    *,
    round: str | None = None,
    region: str | None = None,
    uploader: str | None = None,
    allowed_regions: Collection[str] | None = None,
    engine: Engine | None = None,
    remote_addr: str | None = None,
    annotate_rejected: bool = True,
    reference: ReferenceCache | None = None,
) -> IngestReport:
    """Read, validate and load one file; see `docs/return-format.md` for what it accepts.

    `remote_addr` (the uploader's address, from the web upload) goes into the audit entry. With
    `annotate_rejected=False` a rejected file gets no marked-up copy (`raak demo`, which rejects files on purpose
    and shows nobody the copy); what is recorded in the database is the same either way. `reference`: one
    :class:`~etl.ingest.validate.ReferenceCache` shared by the files of a batch, so the reference data validation
    reads is read once for the batch instead of once per file.
    """
    settings = get_settings()
    received = receive(source, filename, settings)
    return ingest_read(
        received,
        read_received(received, settings),
        round=round,
        region=region,
        uploader=uploader,
        allowed_regions=allowed_regions,
        engine=engine,
        remote_addr=remote_addr,
        annotate_rejected=annotate_rejected,
        reference=reference,
    )


def ingest_read(
    received: Received,
    result: ReadResult,
    *,
    round: str | None = None,
    region: str | None = None,
    uploader: str | None = None,
    allowed_regions: Collection[str] | None = None,
    engine: Engine | None = None,
    remote_addr: str | None = None,
    annotate_rejected: bool = True,
    reference: ReferenceCache | None = None,
) -> IngestReport:
    """Validate and load a file that was already read (the second half of :func:`ingest`), in one transaction."""
    findings = Findings(received.name, list(result.issues))
    round, region = _argument(round), _argument(region)
    allowed = frozenset(code.strip().upper() for code in allowed_regions) if allowed_regions is not None else None
    with storage.Staging() as staging:  # a failed transaction leaves no stored file
        with session_scope(engine, write_first=True) as session:  # SQLite: the writer from BEGIN on
            report = _ingest(
                session,
                result.workbook,
                received,
                findings,
                round,
                region,
                uploader,
                allowed,
                remote_addr,
                staging,
                reference,
            )
        staging.promote()  # committed: the original gets its final name
    if annotate_rejected and report.status == "rejected" and result.workbook is not None:
        # outside the transaction: holds no lock
        report = replace(report, annotated=annotate(result.workbook, report.issues))
    return report


def _ingest(
    session: Session,
    workbook: Workbook | None,
    received: Received,
    findings: Findings,
    round_label: str | None,
    region: str | None,
    uploader: str | None,
    allowed_regions: frozenset[str] | None,
    remote_addr: str | None,
    staging: storage.Staging,
    reference: ReferenceCache | None = None,
) -> IngestReport:
    """The database part: lock, resolve the round, detect a duplicate, validate, then record or load (an accepted
    file's original is staged, to be promoted by the caller after the commit).

    Nothing outside `allowed_regions` (None: every region) is looked up for the answer or recorded under.
    """
    take_write_lock(session)
    if workbook is None:
        rnd = session.scalar(select(m.Round).where(m.Round.label == round_label)) if round_label else None
    else:
        meta_sheet = workbook.meta_sheet.name if workbook.meta_sheet else ""
        rnd = resolve_round(session, workbook_meta(workbook), round_label, findings, meta_sheet, lock=True)
    facts: UploadFacts = {
        "file": received.name,
        "sha": received.sha,
        "size": received.size,
        "uploader": uploader,
        "remote_addr": remote_addr,
    }
    if rnd is not None:
        lock_round(session, rnd.id)  # from here on, what we read about this round stays true until commit
        # (a round named by its label was locked as it was read, and is not asked for again)
        earlier = None
        if workbook is not None:  # only an earlier file the uploader may see counts: see accepted_upload_with_hash
            earlier = accepted_upload_with_hash(session, rnd.id, received.sha, allowed_regions)
        if earlier is not None:
            findings.add("duplicate_file", round=rnd.label, upload_id=earlier.id)
            upload_id = record_duplicate(session, **facts, round_id=rnd.id, earlier=earlier)
            municipalities = upload_municipalities(session, earlier.id)
            return IngestReport(received.name, "duplicate", rnd.label, upload_id, [], municipalities, findings.issues)
        if workbook is not None and not rnd.is_open:
            findings.add("round_closed", round=rnd.label)
    validation = None
    if workbook is not None:
        validation = validate(
            session, workbook, findings, rnd, region=region, allowed_regions=allowed_regions, reference=reference
        )
    municipalities = [r.code for r in validation.returns] if validation else []
    if validation is None or findings.has_errors:
        upload_id = record_rejection(
            session,
            **facts,
            round_id=rnd.id if rnd else None,
            issues=findings.issues,
            validation=validation,
            region_code=_rejection_region(session, validation, region, allowed_regions),
        )
        label = rnd.label if rnd else None
        return IngestReport(received.name, "rejected", label, upload_id, [], municipalities, findings.issues)
    stored_path = staging.add(received.data)
    upload_id, submission_ids = load_accepted(session, validation, **facts, stored_path=stored_path)
    label = validation.round.label if validation.round else None
    return IngestReport(received.name, "accepted", label, upload_id, submission_ids, municipalities, findings.issues)


def _argument(value: str | None) -> str | None:
    """A round or region as the caller gave it: trimmed, None when empty."""
    return (clean_text(value) or None) if value else None


def _known_region(session: Session, region: str | None) -> str | None:
    """The region the caller stated, when it exists (an unreadable file is still recorded against it)."""
    code = region.upper() if region else None
    return code if code and session.get(m.Region, code) is not None else None


def _rejection_region(
    session: Session, validation: Validation | None, region: str | None, allowed: frozenset[str] | None
) -> str | None:
    """The region a rejection is filed under: the file's own when the uploader may submit for it, else the
    uploader's only region, else none (the upload row still names the uploader) — never a region outside scope."""
    found = (validation.region_code if validation else None) or _known_region(session, region)
    if allowed is None or found in allowed:
        return found
    return next(iter(allowed)) if len(allowed) == 1 else None
