"""each division year its own regions, municipal changes, a round's weighting, estimated 0-17 counts

Revision ID: 0004_divisions_population
Revises: 0003_user_sessions
Create Date: 2026-12-01 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_divisions_population"
down_revision: str | None = "0003_user_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEIGHTINGS = "weighting IN ('children_0_17', 'inhabitants', 'equal')"


def upgrade() -> None:
    with op.batch_alter_table("municipality_divisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_municipality_divisions_region_code"), ["region_code"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_municipality_divisions_region_code_regions"), "regions", ["region_code"], ["code"]
        )
    # the region each municipality had so far holds for every division year it belongs to
    op.execute(
        "UPDATE municipality_divisions SET region_code = "
        "(SELECT region_code FROM municipalities WHERE municipalities.code = municipality_divisions.municipality_code)"
    )
    op.create_table(
        "municipal_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_date", sa.Date(), nullable=False),
        sa.Column("old_code", sa.String(length=8), nullable=False),
        sa.Column("new_code", sa.String(length=8), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("change_type", sa.String(length=100), nullable=False),
        sa.CheckConstraint("share > 0 AND share <= 1", name=op.f("ck_municipal_changes_share_range")),
        sa.ForeignKeyConstraint(
            ["old_code"], ["municipalities.code"], name=op.f("fk_municipal_changes_old_code_municipalities")
        ),
        sa.ForeignKeyConstraint(
            ["new_code"], ["municipalities.code"], name=op.f("fk_municipal_changes_new_code_municipalities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipal_changes")),
        sa.UniqueConstraint("change_date", "old_code", "new_code", name="uq_municipal_changes_change"),
    )
    with op.batch_alter_table("municipal_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_municipal_changes_old_code"), ["old_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_municipal_changes_new_code"), ["new_code"], unique=False)
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("weighting", sa.String(length=16), nullable=False, server_default="children_0_17")
        )
        batch_op.create_check_constraint(op.f("ck_rounds_weighting"), WEIGHTINGS)
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.add_column(sa.Column("children_estimated", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.drop_column("children_estimated")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_rounds_weighting"), type_="check")
        batch_op.drop_column("weighting")
    with op.batch_alter_table("municipal_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipal_changes_new_code"))
        batch_op.drop_index(batch_op.f("ix_municipal_changes_old_code"))
    op.drop_table("municipal_changes")
    with op.batch_alter_table("municipality_divisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_municipality_divisions_region_code_regions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_municipality_divisions_region_code"))
        batch_op.drop_column("region_code")
