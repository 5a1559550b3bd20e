"""stored per-round totals: the sums of round_aggregates per round × municipality, filled for existing rounds

Revision ID: 0007_round_totals
Revises: 0006_round_aggregates
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_round_totals"
down_revision: str | None = "0006_round_aggregates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same sums as etl.store.aggregates.totals_query, written out so the migration does not change with the code.
BACKFILL = """
INSERT INTO round_totals (round_id, municipality_code, n_points, n_not_applicable, n_implemented)
SELECT round_id, municipality_code, SUM(n_points), SUM(n_not_applicable), SUM(n_implemented)
FROM round_aggregates
GROUP BY round_id, municipality_code
"""


def upgrade() -> None:
    op.create_table(
        "round_totals",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=8), nullable=False),
        sa.Column("n_points", sa.Integer(), nullable=False),
        sa.Column("n_not_applicable", sa.Integer(), nullable=False),
        sa.Column("n_implemented", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_totals_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_round_totals_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint("round_id", "municipality_code", name=op.f("pk_round_totals")),
    )
    with op.batch_alter_table("round_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_totals_municipality_code"), ["municipality_code"], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("round_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_totals_municipality_code"))
    op.drop_table("round_totals")
