"""`raak rounds` and `raak users`: the reporting rounds and who may log in."""

from __future__ import annotations

from datetime import date

import click

from etl.store.cli import RaakGroup
from etl.store.weighting import DEFAULT_WEIGHTING, WEIGHTINGS


@click.group(cls=RaakGroup)
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
    from etl.admin.rounds import add_round
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

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
    from etl.admin.rounds import set_weighting
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

    with session_scope() as session:
        set_weighting(session, label, weighting, actor=cli_actor())
    click.echo(f"Round {label} is weighted by {weighting}.")


@rounds.command("list")
def rounds_list() -> None:
    """List the rounds."""
    from etl.admin.rounds import list_rounds
    from etl.store.db import session_scope

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
    from etl.admin.rounds import set_round_open
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

    with session_scope() as session:
        set_round_open(session, label, is_open, actor=cli_actor())
    click.echo(f"Round {label} {'opened' if is_open else 'closed'}.")


@click.group(cls=RaakGroup)
def users() -> None:
    """People who log in: NJi staff, regional coordinators, the steering group."""


def _password(generate: bool) -> tuple[str, bool]:
    from etl.admin.users import generate_password

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
    from etl.admin.users import add_user
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

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
    from etl.admin.users import list_users
    from etl.store.db import session_scope

    with session_scope() as session:
        for view in list_users(session):
            state = "active" if view.is_active else "disabled"
            click.echo(f"{view.email:<40} {view.role:<12} {state:<9} {' '.join(view.regions)}")


@users.command("disable")
@click.argument("email")
def users_disable(email: str) -> None:
    """Stop a user from logging in."""
    from etl.admin.users import disable_user
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

    with session_scope() as session:
        disable_user(session, email, actor=cli_actor())
    click.echo(f"Disabled {email}.")


@users.command("reset-password")
@click.argument("email")
@click.option("--generate-password", is_flag=True, help="Generate a password and show it once instead of asking.")
def users_reset_password(email: str, generate_password: bool) -> None:
    """Give a user a new password."""
    from etl.admin.users import reset_password
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

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
    from etl.admin.users import set_role
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

    with session_scope() as session:
        view = set_role(session, email, role, regions=regions, actor=cli_actor())
    scope = f" for {', '.join(view.regions)}" if view.regions else ""
    click.echo(f"{view.email} is now {view.role}{scope}; their open sessions are ended.")
