"""drop ix_assessments_round_id: ix_assessments_round_municipality_point starts with round_id and serves the same
lookups, so the single-column index only cost every inserted assessment one more index entry

Revision ID: 0008_assessments_index
Revises: 0007_round_totals
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_assessments_index"
down_revision: str | None = "0007_round_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_assessments_round_id"


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(INDEX)


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["round_id"], unique=False)
