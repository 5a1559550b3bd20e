"""`raak template`: write the Excel template of one region (or of every region) for a round."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from etl.store import models as m


@click.command("template")
@click.option("--region", help="Region code, e.g. GG3406 (see the regions in the database).")
@click.option("--all", "all_regions", is_flag=True, help="One template per region; --out is then a folder.")
@click.option("--round", "round_label", required=True, help="Round label, e.g. 2009.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="File to write, or a folder (gets RAAK_<round>_<region>.xlsx).",
)
@click.option(
    "--prefill",
    is_flag=True,
    help="Fill each status with the previous round's value (never for a municipality without one).",
)
def template(region: str | None, all_regions: bool, round_label: str, out: Path, prefill: bool) -> None:
    """Write the Excel template(s) a regional coordinator fills in for ROUND."""
    from etl.store.db import session_scope
    from etl.templates.template import write_template

    if bool(region) == all_regions:
        raise click.UsageError("give either --region CODE or --all")
    if all_regions and out.exists() and not out.is_dir():
        raise click.UsageError(f"--out {out} must be a folder with --all")
    with session_scope() as session:
        if all_regions:
            out.mkdir(parents=True, exist_ok=True)
            from etl.admin.rounds import get_round

            year = get_round(session, round_label).division_year  # the regions of the round's own division
            division = select(m.MunicipalityDivision.region_code).where(
                m.MunicipalityDivision.year == year, m.MunicipalityDivision.region_code.is_not(None)
            )
            ordered = division.distinct().order_by(m.MunicipalityDivision.region_code)
            codes = [code for code in session.scalars(ordered) if code is not None]
        else:
            codes = [region or ""]
        for code in codes:
            written = write_template(session, code, round_label, out, prefill=prefill)
            click.echo(f"Wrote {written}")
