"""Database schema (SQLAlchemy 2 typed models); Alembic migrations in `migrations/` mirror it.

Integrity lives in the database itself: foreign keys, CHECK constraints on status values and a partial unique
index allowing at most one current assessment per (round, municipality, point).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from etl.store.weighting import DEFAULT_WEIGHTING, WEIGHTINGS

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
STATUS_MIN, STATUS_MAX = 0, 4
# what an assessment shares with its submission (one foreign key checks the four columns together)
SUBMISSION_SCOPE = ("round_id", "municipality_code", "framework_version")
UPLOAD_STATUSES = ("accepted", "rejected", "duplicate")
SUBMISSION_STATUSES = ("accepted", "superseded")
SEVERITIES = ("error", "warning")
ROLES = ("nji", "coordinator", "steering")
JOB_STATES = ("queued", "running", "done", "failed")
JOB_FILE_STATES = ("pending", "accepted", "rejected", "duplicate", "unreadable", "failed")


def utcnow() -> datetime:
    """Timezone-aware now, for default timestamps."""
    return datetime.now(UTC)


ELLIPSIS = "…"


def shorten(value: str, limit: int) -> str:
    """`value` without NUL characters, cut to `limit` characters with an ellipsis so a reader sees it was cut."""
    value = value.replace("\x00", "")
    return value if len(value) <= limit else value[: limit - len(ELLIPSIS)] + ELLIPSIS


def column_length(column: Any) -> int:
    """How many characters a String column keeps (PostgreSQL refuses more)."""
    length = getattr(column.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{column} has no length")
    return length


def fit_to_column(value: str | None, column: Any) -> str | None:
    """Text from a file or a caller as `column` can hold it: no NUL characters, at most its length."""
    return value.replace("\x00", "")[: getattr(column.type, "length", None)] if value else value


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- the framework and the status scale (data, loaded from data_templates/) ---


class FrameworkVersion(Base):
    __tablename__ = "framework_versions"

    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)


class FrameworkGroup(Base):
    """A cluster of levels for summaries (general principles, prevention, …), in the framework's display order."""

    __tablename__ = "framework_groups"

    framework_version: Mapped[str] = mapped_column(ForeignKey("framework_versions.version"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class Level(Base):
    __tablename__ = "levels"

    framework_version: Mapped[str] = mapped_column(ForeignKey("framework_versions.version"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    order: Mapped[int] = mapped_column(Integer)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    group: Mapped[str] = mapped_column(String(32))


class Point(Base):
    __tablename__ = "points"
    __table_args__ = (
        ForeignKeyConstraint(
            ["framework_version", "level_code"],
            ["levels.framework_version", "levels.code"],
            name="fk_points_level",
        ),
    )

    framework_version: Mapped[str] = mapped_column(ForeignKey("framework_versions.version"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    level_code: Mapped[str | None] = mapped_column(String(8))
    group: Mapped[str] = mapped_column(String(32))
    title_nl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    text_nl: Mapped[str] = mapped_column(Text)


class StatusLevel(Base):
    __tablename__ = "status_scale"
    __table_args__ = (CheckConstraint(f"value BETWEEN {STATUS_MIN} AND {STATUS_MAX}", name="value_range"),)

    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    label_nl: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    implemented: Mapped[bool] = mapped_column(Boolean)
    color: Mapped[str] = mapped_column(String(16))


# --- geography ---


class Province(Base):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_type: Mapped[str] = mapped_column(String(50))


class Municipality(Base):
    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)

    region: Mapped[Region | None] = relationship()


class MunicipalityDivision(Base):
    """Which municipalities existed in a CBS division year (2008: 443, 2011: 418) and their region that year."""

    __tablename__ = "municipality_divisions"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)


class MunicipalChange(Base):
    """One municipal change: `old_code` passed `share` of its population to `new_code` on `change_date`."""

    __tablename__ = "municipal_changes"
    __table_args__ = (
        UniqueConstraint("change_date", "old_code", "new_code", name="uq_municipal_changes_change"),
        CheckConstraint("share > 0 AND share <= 1", name="share_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_date: Mapped[date] = mapped_column(Date)
    old_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    new_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    share: Mapped[float] = mapped_column(Float)
    change_type: Mapped[str] = mapped_column(String(100))


class Population(Base):
    __tablename__ = "population"
    __table_args__ = (
        CheckConstraint("inhabitants >= 0", name="inhabitants_nonnegative"),
        CheckConstraint(
            "children_0_17 IS NULL OR (children_0_17 >= 0 AND children_0_17 <= inhabitants)",
            name="children_range",
        ),
    )

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    inhabitants: Mapped[int] = mapped_column(Integer)
    children_0_17: Mapped[int | None] = mapped_column(Integer)
    children_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# --- rounds, returns and assessments ---


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (CheckConstraint(_in("weighting", WEIGHTINGS), name="weighting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(32), unique=True)
    reference_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    division_year: Mapped[int] = mapped_column(Integer)
    weighting: Mapped[str] = mapped_column(String(16), default=DEFAULT_WEIGHTING, server_default=DEFAULT_WEIGHTING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Upload(Base):
    """One file as received: accepted, rejected (with its issues) or a duplicate of an earlier accepted file."""

    __tablename__ = "uploads"
    __table_args__ = (CheckConstraint(_in("status", UPLOAD_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str | None] = mapped_column(String(500))
    uploader: Mapped[str | None] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(16))
    template_version: Mapped[str | None] = mapped_column(String(32))
    framework_version: Mapped[str | None] = mapped_column(String(32))

    issues: Mapped[list[ValidationIssue]] = relationship(back_populates="upload", order_by="ValidationIssue.id")


class Submission(Base):
    """One municipality's return inside an accepted upload; a later one supersedes it but never deletes it."""

    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(_in("status", SUBMISSION_STATUSES), name="status"),
        # what an assessment's one foreign key refers to: its submission with that submission's round,
        # municipality and framework version (an index, which SQLite can add without rebuilding the table)
        Index("uq_submissions_scope", "id", *SUBMISSION_SCOPE, unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    framework_version: Mapped[str] = mapped_column(ForeignKey("framework_versions.version"))
    status: Mapped[str] = mapped_column(String(16))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Assessment(Base):
    """A municipality's status on one RAAK point in one round; `status` is NULL exactly when n.v.t."""

    __tablename__ = "assessments"
    __table_args__ = (
        # One check per inserted row for the submission, its round, municipality and framework version together
        # (three single-column keys cost three): an assessment can only belong where its submission does.
        ForeignKeyConstraint(
            ["submission_id", *SUBMISSION_SCOPE],
            ["submissions.id", *(f"submissions.{column}" for column in SUBMISSION_SCOPE)],
            name="fk_assessments_submission",
        ),
        ForeignKeyConstraint(
            ["framework_version", "point_number"],
            ["points.framework_version", "points.number"],
            name="fk_assessments_point",
        ),
        CheckConstraint(
            f"(not_applicable AND status IS NULL) OR "
            f"(NOT not_applicable AND status IS NOT NULL AND status BETWEEN {STATUS_MIN} AND {STATUS_MAX})",
            name="status_range",
        ),
        Index(
            "uq_assessments_current",
            "round_id",
            "municipality_code",
            "framework_version",
            "point_number",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
        # SQLite does not use the partial index above for `is_current = 1`; this one serves round/region queries.
        Index("ix_assessments_round_municipality_point", "round_id", "municipality_code", "point_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(Integer, index=True)
    # no index of its own: ix_assessments_round_municipality_point leads with it (migration 0008 dropped one)
    round_id: Mapped[int] = mapped_column(Integer)
    municipality_code: Mapped[str] = mapped_column(String(8))
    framework_version: Mapped[str] = mapped_column(String(32))
    point_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[int | None] = mapped_column(SmallInteger)
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)


class RoundAggregate(Base):
    """Counts per round × municipality × level × group over the current assessments, stored when data changes.

    Written only by `etl.store.aggregates` in the transaction that changes the assessments (ingest, withdrawal)
    or what they count towards (a framework or status-scale load), so a report reads these instead of
    re-aggregating every earlier round. `level_code` is '' for points without a level.
    """

    __tablename__ = "round_aggregates"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True, index=True)
    level_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    n_points: Mapped[int] = mapped_column(Integer)
    n_not_applicable: Mapped[int] = mapped_column(Integer)
    n_implemented: Mapped[int] = mapped_column(Integer)


class RoundTotal(Base):
    """Per round × municipality: the sums of its `round_aggregates` rows, stored with them.

    What the history of every earlier round needs (one row per municipality instead of one per level and group),
    so a report over hundreds of rounds reads a sixth of the rows and sums nothing.
    """

    __tablename__ = "round_totals"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), primary_key=True, index=True)
    n_points: Mapped[int] = mapped_column(Integer)
    n_not_applicable: Mapped[int] = mapped_column(Integer)
    n_implemented: Mapped[int] = mapped_column(Integer)


class RoundChange(Base):
    """A change to what a round's coverage is computed from (its counts, its weighting; round_id NULL: the reference
    data, so every round), written by the ETL in the transaction that makes it. Only ever inserted: a round's
    *data serial* is the id of its newest change or of the newest change to every round, whichever is later."""

    __tablename__ = "round_changes"
    __table_args__ = (Index("ix_round_changes_round_id_id", "round_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))


class RoundCoverage(Base):
    """A round's national and regional coverage on its own division, as the history of every later report shows it:
    written when a report first computes it, valid while the round's data serial (see `RoundChange`) is the one it
    was computed at. `regions` is one JSON document per round (columns of equal length: region_code, '' for the
    national row first, n_expected, n_returns, coverage, coverage_reporting, completeness), so a report over
    hundreds of rounds reads one row per round."""

    __tablename__ = "round_coverage"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    weighting: Mapped[str] = mapped_column(String(16), primary_key=True)  # '' = the round's own setting
    data_serial: Mapped[int] = mapped_column(Integer)
    regions: Mapped[str] = mapped_column(Text)


class ValidationIssue(Base):
    __tablename__ = "validation_issues"
    __table_args__ = (CheckConstraint(_in("severity", SEVERITIES), name="severity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(64))
    sheet: Mapped[str | None] = mapped_column(String(255))
    cell: Mapped[str | None] = mapped_column(String(32))
    message_nl: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)

    upload: Mapped[Upload] = relationship(back_populates="issues")


# --- people and the audit trail ---


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserRegion(Base):
    __tablename__ = "user_regions"
    __table_args__ = (UniqueConstraint("user_id", "region_code", name="uq_user_regions_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))


class UserSession(Base):
    """One logged-in browser: the signed cookie names it, so ending it (log-out, a user change) ends it everywhere."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the cookie's token, never the token
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


# --- uploads from the dashboard, processed as background jobs ---


class UploadJob(Base):
    """One drop of files on the upload page, processed in the background; its owner (or NJi) reads the outcome."""

    __tablename__ = "upload_jobs"
    __table_args__ = (CheckConstraint(_in("state", JOB_STATES), name="state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    allowed_regions: Mapped[str | None] = mapped_column(Text)  # JSON list; NULL: every region (NJi)
    round_label: Mapped[str | None] = mapped_column(String(32))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    files: Mapped[list[UploadJobFile]] = relationship(order_by="UploadJobFile.position")


class UploadJobFile(Base):
    """One file of an upload job: its bytes while it waits, then its outcome and the upload row etl recorded."""

    __tablename__ = "upload_job_files"
    __table_args__ = (CheckConstraint(_in("state", JOB_FILE_STATES), name="state"),)

    job_id: Mapped[str] = mapped_column(ForeignKey("upload_jobs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    filename: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # emptied once processed
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id"), index=True)
    result: Mapped[str | None] = mapped_column(Text)  # the IngestReport as JSON
    annotated: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # a rejected workbook, marked up
