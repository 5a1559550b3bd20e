"""`raak reference` (framework, status scale, geography) and `raak docs` (the framework as Markdown)."""

from __future__ import annotations

from pathlib import Path

import click

from etl.store.cli import RaakGroup


@click.group(cls=RaakGroup)
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
    from etl.reference.geography import load_reference
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope

    with session_scope() as session:
        counts = load_reference(session, regions_file=regions_file, population_file=population_file, actor=cli_actor())
    click.echo(
        f"{counts.points} points, {counts.levels} levels ({counts.framework_versions} framework version(s)), "
        f"{counts.provinces} provinces, {counts.regions} regions, {counts.current_municipalities} municipalities "
        f"in the current division ({counts.municipalities} in all), {counts.population_rows} population rows."
    )


@click.command("docs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: docs/framework.md of the checkout).",
)
def docs(out: Path | None) -> None:
    """Regenerate docs/framework.md from the framework data file."""
    from etl.reference.framework import write_framework_docs

    out = write_framework_docs(out)
    click.echo(f"Wrote {out}.")
