"""The `raak` command line: database, reference data, rounds, templates, ingest, reports and the dashboard.

Commands that need heavy imports (pandas, Dash) are loaded only when called, so `raak db upgrade` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from etl.issues import InputRejected, UserError
from etl.models import DEFAULT_WEIGHTING, WEIGHTINGS

USAGE_ERROR_EXIT = 2
LAZY_COMMANDS = {
    "template": "etl.template_cli:template",
    "ingest": "etl.ingest_cli:ingest",
    "withdraw": "etl.withdraw_cli:withdraw",
    "report": "dashboard.report_cli:report",
    "export": "dashboard.export_cli:export",
    "demo": "dashboard.demo:demo",
    "serve": "dashboard.app:serve",
    "storage": "etl.storage_cli:storage_group",
    "worker": "dashboard.worker:worker",
}


def fail(message: str) -> None:
    """Print one clear line and exit with the usage-error code; no traceback."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(USAGE_ERROR_EXIT)


class RaakGroup(click.Group):
    """A group that loads listed commands lazily and turns user errors into one line and exit code 2."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            try:
                return getattr(importlib.import_module(module), attribute)
            except ImportError as exc:  # a part of the product not installed or not built yet
                raise click.ClickException(f"command {cmd_name!r} is not available: {exc}") from exc
        return super().get_command(ctx, cmd_name)

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


@click.group(cls=RaakGroup, lazy=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """RAAK Monitor: follow the national roll-out of the RAAK approach against child abuse.

    The database is DATABASE_URL, or a SQLite file in ./instance by default.
    """


# --- raak db ---


@main.group(cls=RaakGroup)
def db() -> None:
    """Create or migrate the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
def db_upgrade(revision: str) -> None:
    """Apply all migrations (creates the SQLite file on first use)."""
    from etl.db import get_engine
    from etl.migrate import upgrade

    engine = get_engine()
    upgrade(engine, revision)
    click.echo(f"Database at {engine.url.render_as_string(hide_password=True)} is at revision {revision}.")


@db.command("downgrade")
@click.option("--revision", default="base", show_default=True, help="Alembic revision to go back to.")
@click.confirmation_option(prompt="This can drop every table and its data. Continue?")
def db_downgrade(revision: str) -> None:
    """Revert migrations (base: drop everything)."""
    from etl.db import get_engine
    from etl.migrate import downgrade

    downgrade(get_engine(), revision)
    click.echo(f"Database downgraded to {revision}.")


# --- raak reference ---


@main.group(cls=RaakGroup)
def reference() -> None:
    """Load the RAAK framework, status scale and geography."""


@reference.command("load")
@click.option(
    "--regions",
    "regions_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV municipality_code,region_code,region_name[,region_type] replacing the region division.",
)
@click.option(
    "--population",
    "population_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV municipality_code,year,inhabitants[,children_0_17] with CBS population figures; real 0-17 counts "
    "replace the shipped estimate.",
)
def reference_load(regions_file: Path | None, population_file: Path | None) -> None:
    """Load (or update) the reference data; running it twice changes nothing."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.reference import load_reference

    with session_scope() as session:
        counts = load_reference(session, regions_file=regions_file, population_file=population_file, actor=cli_actor())
    click.echo(
        f"{counts.points} points, {counts.levels} levels ({counts.framework_versions} framework version(s)), "
        f"{counts.provinces} provinces, {counts.regions} regions, {counts.current_municipalities} municipalities "
        f"in the current division ({counts.municipalities} in all), {counts.population_rows} population rows."
    )


# --- raak rounds ---


@main.group(cls=RaakGroup)
def rounds() -> None:
    """Reporting rounds: add, list, open, close."""


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date of the form YYYY-MM-DD") from exc


@rounds.command("add")
@click.argument("label")
@click.option("--reference-date", required=True, callback=_date, help="Peildatum, YYYY-MM-DD.")
@click.option("--deadline", callback=_date, help="Submission deadline, YYYY-MM-DD.")
@click.option(
    "--weighting",
    type=click.Choice(WEIGHTINGS),
    default=DEFAULT_WEIGHTING,
    show_default=True,
    help="How region and national coverage weigh municipalities.",
)
def rounds_add(label: str, reference_date: date, deadline: date | None, weighting: str) -> None:
    """Open a new reporting round LABEL (e.g. 2009) on the municipal division of its reference year."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.rounds import add_round

    with session_scope() as session:
        added = add_round(session, label, reference_date, deadline=deadline, weighting=weighting, actor=cli_actor())
        click.echo(
            f"Round {added.label} opened (reference date {added.reference_date}, "
            f"{added.division_year} municipal division, weighting {added.weighting})."
        )


@rounds.command("weighting")
@click.argument("label")
@click.argument("weighting", type=click.Choice(WEIGHTINGS))
def rounds_weighting(label: str, weighting: str) -> None:
    """Set how round LABEL weighs municipalities: children_0_17 (default), inhabitants or equal."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.rounds import set_weighting

    with session_scope() as session:
        set_weighting(session, label, weighting, actor=cli_actor())
    click.echo(f"Round {label} is weighted by {weighting}.")


@rounds.command("list")
def rounds_list() -> None:
    """List the rounds."""
    from etl.db import session_scope
    from etl.rounds import list_rounds

    with session_scope() as session:
        found = list_rounds(session)
        if not found:
            click.echo("No rounds yet; add one with `raak rounds add 2008 --reference-date 2008-12-31`.")
        for r in found:
            state = "open" if r.is_open else "closed"
            click.echo(
                f"{r.label:<10} reference {r.reference_date}  deadline {r.deadline or '-'}  {state}  "
                f"division {r.division_year}  weighting {r.weighting}"
            )


@rounds.command("close")
@click.argument("label")
def rounds_close(label: str) -> None:
    """Close round LABEL: it refuses further uploads."""
    _set_open(label, False)


@rounds.command("open")
@click.argument("label")
def rounds_open(label: str) -> None:
    """Re-open round LABEL for uploads."""
    _set_open(label, True)


def _set_open(label: str, is_open: bool) -> None:
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.rounds import set_round_open

    with session_scope() as session:
        set_round_open(session, label, is_open, actor=cli_actor())
    click.echo(f"Round {label} {'opened' if is_open else 'closed'}.")


# --- raak docs ---


@main.command("docs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: docs/framework.md of the checkout).",
)
def docs(out: Path | None) -> None:
    """Regenerate docs/framework.md from the framework data file."""
    from etl.framework import write_framework_docs

    out = write_framework_docs(out)
    click.echo(f"Wrote {out}.")


# --- raak users ---


@main.group(cls=RaakGroup)
def users() -> None:
    """People who log in: NJi staff, regional coordinators, the steering group."""


def _password(generate: bool) -> tuple[str, bool]:
    from etl.users import generate_password

    if generate:
        return generate_password(), True
    return click.prompt("Password", hide_input=True, confirmation_prompt=True), False


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["nji", "coordinator", "steering"]))
@click.option("--region", "regions", multiple=True, help="Region code a coordinator may upload for (repeatable).")
@click.option("--generate-password", is_flag=True, help="Generate a password and show it once instead of asking.")
def users_add(email: str, role: str, regions: tuple[str, ...], generate_password: bool) -> None:
    """Add a user with a role (coordinators: one or more --region)."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.users import add_user

    password, generated = _password(generate_password)
    with session_scope() as session:
        view = add_user(session, email, role, password, regions=regions, actor=cli_actor())
    scope = f" for {', '.join(view.regions)}" if view.regions else ""
    click.echo(f"Added {view.email} ({view.role}{scope}).")
    if generated:
        click.echo(f"Password (shown once): {password}")


@users.command("list")
def users_list() -> None:
    """List users with their role, regions and whether they can log in."""
    from etl.db import session_scope
    from etl.users import list_users

    with session_scope() as session:
        for view in list_users(session):
            state = "active" if view.is_active else "disabled"
            click.echo(f"{view.email:<40} {view.role:<12} {state:<9} {' '.join(view.regions)}")


@users.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Stop a user from logging in."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.users import disable_user

    with session_scope() as session:
        disable_user(session, email, actor=cli_actor())
    click.echo(f"Disabled {email}.")


@users.command("reset-password")
@click.argument("email")
@click.option("--generate-password", is_flag=True, help="Generate a password and show it once instead of asking.")
def users_reset_password(email: str, generate_password: bool) -> None:
    """Give a user a new password."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.users import reset_password

    password, generated = _password(generate_password)
    with session_scope() as session:
        reset_password(session, email, password, actor=cli_actor())
    click.echo(f"New password set for {email}.")
    if generated:
        click.echo(f"Password (shown once): {password}")


@users.command("set-role")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["nji", "coordinator", "steering"]))
@click.option("--region", "regions", multiple=True, help="Region code a coordinator may upload for (repeatable).")
def users_set_role(email: str, role: str, regions: tuple[str, ...]) -> None:
    """Give a user another role (coordinators: one or more --region); their open sessions end."""
    from etl.audit import cli_actor
    from etl.db import session_scope
    from etl.users import set_role

    with session_scope() as session:
        view = set_role(session, email, role, regions=regions, actor=cli_actor())
    scope = f" for {', '.join(view.regions)}" if view.regions else ""
    click.echo(f"{view.email} is now {view.role}{scope}; their open sessions are ended.")
