"""stored per-round aggregates: counts per round × municipality × level × group, filled for existing rounds

Revision ID: 0006_round_aggregates
Revises: 0005_framework_groups
Create Date: 2026-12-01 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_round_aggregates"
down_revision: str | None = "0005_framework_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same GROUP BY as etl.store.aggregates.counts_query, written out so the migration does not change with the code.
BACKFILL = """
INSERT INTO round_aggregates
    (round_id, municipality_code, level_code, group_code, n_points, n_not_applicable, n_implemented)
SELECT a.round_id, a.municipality_code, COALESCE(p.level_code, ''), p."group", COUNT(*),
       SUM(CASE WHEN a.not_applicable THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.implemented THEN 1 ELSE 0 END)
FROM assessments a
JOIN points p ON p.framework_version = a.framework_version AND p.number = a.point_number
LEFT OUTER JOIN status_scale s ON s.value = a.status
WHERE a.is_current
GROUP BY a.round_id, a.municipality_code, p.level_code, p."group"
"""


def upgrade() -> None:
    op.create_table(
        "round_aggregates",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=8), nullable=False),
        sa.Column("level_code", sa.String(length=8), nullable=False),
        sa.Column("group_code", sa.String(length=32), nullable=False),
        sa.Column("n_points", sa.Integer(), nullable=False),
        sa.Column("n_not_applicable", sa.Integer(), nullable=False),
        sa.Column("n_implemented", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_aggregates_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipalities.code"],
            name=op.f("fk_round_aggregates_municipality_code_municipalities"),
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "municipality_code", "level_code", "group_code", name=op.f("pk_round_aggregates")
        ),
    )
    with op.batch_alter_table("round_aggregates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_aggregates_municipality_code"), ["municipality_code"], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("round_aggregates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_aggregates_municipality_code"))
    op.drop_table("round_aggregates")
