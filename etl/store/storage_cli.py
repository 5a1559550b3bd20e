"""`raak storage check [--fix]`: stored originals no upload row references, and rows whose original is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import Engine, select

from etl.store import models as m
from etl.store import storage
from etl.store.db import get_engine, session_scope

PROBLEMS_EXIT = 1


def referenced_paths(engine: Engine) -> set[str]:
    """Every `uploads.stored_path` in the database."""
    with session_scope(engine) as session:
        return set(session.scalars(select(m.Upload.stored_path).where(m.Upload.stored_path.is_not(None)).distinct()))


def check_storage(engine: Engine, root: storage.Store | Path | str | None = None) -> storage.StorageCheck:
    """List the files first, then the rows: a file promoted in between has its row committed already."""
    store = storage.as_store(root)
    files = store.files()
    return storage.check(store, files, referenced_paths(engine))


@click.group("storage")
def storage_group() -> None:
    """The stored originals of accepted returns."""


@storage_group.command("check")
@click.option("--fix", is_flag=True, help="Remove stored files that no upload references (nothing else).")
def check(fix: bool) -> None:
    """List stored originals no upload references and uploads whose original is missing; exit 1 while any remain."""
    root = storage.returns_store()
    found = check_storage(get_engine(), root)
    for path in found.orphans:
        click.echo(f"orphan: {path}" + (" (removed)" if fix else ""))
    for path in found.recoverable:
        click.echo(f"staged copy of a missing original: {path}" + (" (restored)" if fix else ""))
    if fix:
        found = storage.fix(root, found)
    for path in found.missing:
        click.echo(f"missing: {path} (an upload row references it; restore it from a backup)")
    click.echo("Storage and database agree." if found.ok else f"Problems remain in {root.location}.")
    if not found.ok:
        sys.exit(PROBLEMS_EXIT)
