"""The one `raak` command: every package contributes its commands, assembled here at the top of the house.

`raak --help` lists them; errors a user can fix are one line and exit code 2 (`etl.store.cli.RaakGroup`).
"""

from __future__ import annotations

import atexit
import gc

import click

from dashboard.analytics.cli import report
from dashboard.demo.cli import demo
from dashboard.exports.cli import export
from dashboard.web.cli import serve, worker
from etl.admin.cli import rounds, users
from etl.ingest.cli import ingest
from etl.ingest.withdraw_cli import withdraw
from etl.reference.cli import docs, reference
from etl.store.cli import USAGE_ERROR_EXIT, RaakGroup, db
from etl.store.storage_cli import storage_group
from etl.templates.cli import template

__all__ = ["USAGE_ERROR_EXIT", "main"]
COMMANDS: tuple[click.Command, ...] = (db, storage_group, reference, docs, rounds, users, template, ingest, withdraw)
COMMANDS += (report, export, serve, worker, demo)


@click.group(cls=RaakGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """RAAK Monitor: follow the national roll-out of the RAAK approach against child abuse.

    The database is DATABASE_URL, or a SQLite file in ./instance by default.
    """


for command in COMMANDS:
    main.add_command(command)


def leave_objects_to_the_os() -> None:
    """At exit, keep Python's last garbage collections from walking every object a command loaded (pandas,
    SQLAlchemy, plotly: ~0.35 s after a 1.5-s `raak export --format xlsx`); the operating system frees the memory
    at once. Registered first, so it runs after every later exit handler (closing files, logging)."""
    gc.freeze()


atexit.register(leave_objects_to_the_os)


if __name__ == "__main__":  # `python -m dashboard.cli …` runs the same command as `raak …`
    main()
