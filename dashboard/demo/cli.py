"""`raak demo`: build a database of synthetic returns through the real upload path, then serve it."""

from __future__ import annotations

import time

import click

from dashboard.demo import DEFAULT_SEED
from dashboard.web.settings import DEFAULT_HOST, DEFAULT_PORT
from etl.store.config import get_settings


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo database first and build it again.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--no-serve", is_flag=True, help="Only build the database; do not start the dashboard.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, help="Seed of the synthetic data.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Serve on a --host other than this computer (the development server, with printed passwords).",
)
def demo(reset: bool, port: int, host: str, no_serve: bool, seed: int, allow_remote: bool) -> None:
    """Build a database of synthetic returns through the real upload path, then serve the dashboard.

    Rounds 2008-2011 with a return from every region (a few rejected, some municipalities missing), marked as
    synthetic demo data in the dashboard. A database that already holds data is served as it is.
    """
    from dashboard.analytics.queries import is_demo_database
    from dashboard.demo.build import check_demo_host, demo_engine, demo_logins, demo_secret_key, has_data, load_demo

    check_demo_host(host, allow_remote)
    engine = demo_engine(reset)
    if has_data(engine):
        click.echo("The database already holds data; serving it as it is (use --reset to rebuild the demo).")
    else:
        started = time.monotonic()
        click.echo("Building the demo database: rounds 2008-2011, one workbook per region and round …")
        summary = load_demo(engine, seed=seed)
        click.echo(
            f"Loaded {summary.accepted} returns ({summary.rejected} more rejected on purpose) for rounds "
            f"{', '.join(summary.rounds)}; {summary.municipalities_without_return} municipality-rounds without a "
            f"return. Seed {summary.seed}, {time.monotonic() - started:.0f} s."
        )
    if is_demo_database(engine):
        click.echo("Log in on /login as (passwords are new each time `raak demo` starts):")
        for login in demo_logins(engine):
            scope = f" for {', '.join(login.regions)}" if login.regions else ""
            click.echo(f"  {login.role:<12} {login.email:<24} {login.password}{scope}")
    if no_serve:
        click.echo(f"Start the dashboard with `raak demo --port {port}`: it serves this database as it is.")
        return
    from dashboard.web.app import run

    run(engine, host, port, debug=False, secret_key=demo_secret_key(get_settings().instance_dir))
