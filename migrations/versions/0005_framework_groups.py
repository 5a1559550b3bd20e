"""framework groups in the database, per framework version (their names and order were read from the YAML files)

Revision ID: 0005_framework_groups
Revises: 0004_divisions_population
Create Date: 2026-12-01 18:30:00
"""

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision: str = "0005_framework_groups"
down_revision: str | None = "0004_divisions_population"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _shipped_groups() -> dict[str, list[dict[str, str]]]:
    """The groups of each framework file shipped today, by version (read as plain YAML: this revision must keep
    working when the loader changes)."""
    result: dict[str, list[dict[str, str]]] = {}
    for path in sorted(Path(str(files("data_templates"))).joinpath("framework").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("groups"), list):
            result[str(data.get("version"))] = [g for g in data["groups"] if isinstance(g, dict)]
    return result


def upgrade() -> None:
    table = op.create_table(
        "framework_groups",
        sa.Column("framework_version", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("name_nl", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_version"],
            ["framework_versions.version"],
            name=op.f("fk_framework_groups_framework_version_framework_versions"),
        ),
        sa.PrimaryKeyConstraint("framework_version", "code", name=op.f("pk_framework_groups")),
    )
    # A database that already holds a framework gets its groups now, so the dashboard has names before the next
    # `raak reference load`: from the shipped file of that version, else the codes found in levels and points.
    conn = op.get_bind()
    shipped = _shipped_groups()
    rows = []
    for (version,) in conn.execute(sa.text("SELECT version FROM framework_versions")):
        groups = shipped.get(version)
        if groups:
            rows += [
                {
                    "framework_version": version,
                    "code": str(g["code"]),
                    "order": order,
                    "name_nl": str(g.get("name_nl") or g["code"]),
                    "name_en": str(g.get("name_en") or g["code"]),
                }
                for order, g in enumerate(groups)
            ]
            continue
        used = conn.execute(
            sa.text(
                'SELECT DISTINCT "group" FROM levels WHERE framework_version = :v '
                'UNION SELECT DISTINCT "group" FROM points WHERE framework_version = :v'
            ),
            {"v": version},
        )
        rows += [
            {"framework_version": version, "code": code, "order": order, "name_nl": code, "name_en": code}
            for order, code in enumerate(sorted(code for (code,) in used))
        ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("framework_groups")
