"""What every `raak` command group shares (errors as one line and exit code 2), and `raak db` and `raak storage`.

Each package contributes its own group (`etl.reference.cli`, `etl.admin.cli`, …); `dashboard.cli` assembles them
into the one `raak` command. Heavy imports stay inside the commands, so `raak db upgrade` starts fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from etl.store.issues import InputRejected, UserError

USAGE_ERROR_EXIT = 2


def fail(message: str) -> None:
    """Print one clear line and exit with the usage-error code; no traceback."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(USAGE_ERROR_EXIT)


class RaakGroup(click.Group):
    """A group that turns user errors into one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputRejected as exc:
            for issue in exc.issues:
                click.echo(issue.line(), err=True)
            sys.exit(USAGE_ERROR_EXIT)
        except UserError as exc:  # one line in both languages when the raiser gave both
            fail(str(exc) if exc.message_nl == exc.message_en else f"{exc} / Fout: {exc.message_nl}")
        except OperationalError as exc:
            fail(f"database not reachable or not migrated ({exc.orig}); run `raak db upgrade`")


@click.group(cls=RaakGroup)
def db() -> None:
    """Create or migrate the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
def db_upgrade(revision: str) -> None:
    """Apply all migrations (creates the SQLite file on first use)."""
    from etl.store.db import get_engine
    from etl.store.migrate import upgrade

    engine = get_engine()
    upgrade(engine, revision)
    click.echo(f"Database at {engine.url.render_as_string(hide_password=True)} is at revision {revision}.")


@db.command("downgrade")
@click.option("--revision", default="base", show_default=True, help="Alembic revision to go back to.")
@click.confirmation_option(prompt="This can drop every table and its data. Continue?")
def db_downgrade(revision: str) -> None:
    """Revert migrations (base: drop everything)."""
    from etl.store.db import get_engine
    from etl.store.migrate import downgrade

    downgrade(get_engine(), revision)
    click.echo(f"Database downgraded to {revision}.")


@db.command("refresh-aggregates")
def db_refresh_aggregates() -> None:
    """Recompute the stored per-round aggregates from the assessments (every round, one transaction).

    Ingest, withdrawal and reference loads keep them current; this is for a database restored or edited by hand.
    """
    from etl.store.aggregates import refresh_all
    from etl.store.audit import cli_actor
    from etl.store.db import get_engine, session_scope

    with session_scope(get_engine(), write_first=True) as session:
        rows = refresh_all(session, actor=cli_actor())
    click.echo(f"Stored aggregates recomputed: {rows} rows. / Opgeslagen aggregaten herberekend: {rows} rijen.")
