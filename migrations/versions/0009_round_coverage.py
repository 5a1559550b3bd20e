"""stored coverage per round × region (round_coverage) and the changes that tell whether it is still current
(round_changes)

Revision ID: 0009_round_coverage
Revises: 0008_assessments_index
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_round_coverage"
down_revision: str | None = "0008_assessments_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_changes_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_changes")),
    )
    op.create_index("ix_round_changes_round_id_id", "round_changes", ["round_id", "id"], unique=False)
    op.create_table(
        "round_coverage",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("weighting", sa.String(length=16), nullable=False),
        sa.Column("data_serial", sa.Integer(), nullable=False),
        sa.Column("regions", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_coverage_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", "weighting", name=op.f("pk_round_coverage")),
    )


def downgrade() -> None:
    op.drop_table("round_coverage")
    op.drop_index("ix_round_changes_round_id_id", table_name="round_changes")
    op.drop_table("round_changes")
