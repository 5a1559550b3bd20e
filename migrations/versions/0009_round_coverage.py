"""stored coverage per round × region (round_coverage) and the round's data serial that says whether it is current

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
    # plain ALTER TABLE on both backends: a batch copy of `rounds` on SQLite would break the foreign keys to it
    op.execute("ALTER TABLE rounds ADD COLUMN data_serial INTEGER DEFAULT 0 NOT NULL")
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
    op.execute("ALTER TABLE rounds DROP COLUMN data_serial")  # SQLite 3.35 and later drop a column in place
