"""`raak serve` (the dashboard on the configured database) and `raak worker` (the queued uploads and exports)."""

from __future__ import annotations

import click

from dashboard.web.settings import DEFAULT_HOST, DEFAULT_PORT
from dashboard.web.worker import worker

__all__ = ["serve", "worker"]


@click.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--debug", is_flag=True, help="Reload on code changes and show Dash's debug tools.")
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the dashboard on the configured database (DATABASE_URL or the SQLite file in ./instance)."""
    from dashboard.web.app import run
    from etl.store.db import get_engine

    run(get_engine(), host, port, debug)
