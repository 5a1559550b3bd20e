"""upload jobs: uploads from the dashboard are processed in the background and their outcome is kept per file

Revision ID: 0002_upload_jobs
Revises: 0001
Create Date: 2026-12-01 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_upload_jobs"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("allowed_regions", sa.Text(), nullable=True),
        sa.Column("round_label", sa.String(length=32), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_upload_jobs_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_jobs")),
    )
    with op.batch_alter_table("upload_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_jobs_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_upload_jobs_created_at"), ["created_at"], unique=False)

    op.create_table(
        "upload_job_files",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("annotated", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'rejected', 'duplicate', 'unreadable', 'failed')",
            name=op.f("ck_upload_job_files_state"),
        ),
        sa.ForeignKeyConstraint(["job_id"], ["upload_jobs.id"], name=op.f("fk_upload_job_files_job_id_upload_jobs")),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"], name=op.f("fk_upload_job_files_upload_id_uploads")),
        sa.PrimaryKeyConstraint("job_id", "position", name=op.f("pk_upload_job_files")),
    )
    with op.batch_alter_table("upload_job_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_job_files_upload_id"), ["upload_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("upload_job_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_job_files_upload_id"))
    op.drop_table("upload_job_files")
    with op.batch_alter_table("upload_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_jobs_created_at"))
        batch_op.drop_index(batch_op.f("ix_upload_jobs_owner"))
    op.drop_table("upload_jobs")
