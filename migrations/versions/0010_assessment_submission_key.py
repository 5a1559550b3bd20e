"""one foreign key from an assessment to its submission together with the submission's round, municipality and
framework version, instead of three single-column keys: every inserted assessment paid three key checks (on
PostgreSQL ~10 % of a national round's ingest), and nothing stopped an assessment from naming another round or
municipality than its submission

Revision ID: 0010_assessment_submission_key
Revises: 0009_round_coverage
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_assessment_submission_key"
down_revision: str | None = "0009_round_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPE = ["round_id", "municipality_code", "framework_version"]
SINGLE_KEYS = [  # (name, column, referred table, referred column) as migration 0001 made them
    ("fk_assessments_submission_id_submissions", "submission_id", "submissions", "id"),
    ("fk_assessments_round_id_rounds", "round_id", "rounds", "id"),
    ("fk_assessments_municipality_code_municipalities", "municipality_code", "municipalities", "code"),
]


def upgrade() -> None:
    # an index, not a constraint: SQLite adds it in place, where a constraint would rebuild `submissions`, which
    # the assessments' keys refer to
    op.create_index("uq_submissions_scope", "submissions", ["id", *SCOPE], unique=True)
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        for name, _column, _table, _referred in SINGLE_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_assessments_submission", "submissions", ["submission_id", *SCOPE], ["id", *SCOPE]
        )


def downgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint("fk_assessments_submission", type_="foreignkey")
        for name, column, table, referred in SINGLE_KEYS:
            batch_op.create_foreign_key(name, table, [column], [referred])
    op.drop_index("uq_submissions_scope", table_name="submissions")
