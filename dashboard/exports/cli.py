"""`raak export`: the steering-group export of one round into a folder (PDF, chart images, Excel)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from dashboard.exports.content import ExportRequest
from dashboard.exports.formats import NAMES, drawn_formats, parse_formats
from dashboard.exports.render import BROWSER_PATH_ENV, SYSTEM_CHROMIUM, ChartRenderer, render_tabs


@click.command("export")
@click.option("--round", "round_label", required=True, help="Round label, e.g. 2011.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into (created when missing; files of the same name are replaced).",
)
@click.option("--region", "region_code", help="Only this region's pages, charts and rows (region code, e.g. GG3406).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True, help="Language.")
@click.option(
    "--format",
    "formats",
    default=",".join(NAMES),
    show_default=True,
    help="Comma-separated: pdf (report), png and svg (every chart), xlsx (the numbers).",
)
def export(round_label: str, out: Path, region_code: str | None, lang: str, formats: str) -> None:
    """Write a round's steering-group export: a PDF report, every chart as PNG and SVG, the numbers as Excel.

    \b
    File names say what they are: 2011_national_report.pdf, 2011_national_tables.xlsx,
    2011_national_trajectory.png, 2011_GG3406_continuum.svg, ...
    The chart images are drawn by plotly.js in a headless Chromium: the one named by BROWSER_PATH, else
    /usr/bin/chromium (Debian package `chromium`). A full national export takes less than half a minute.
    """
    request = ExportRequest(
        round_label=round_label.strip(),
        region_code=region_code.strip().upper() if region_code else None,
        lang=lang,  # type: ignore[arg-type]
        formats=parse_formats(formats),
    )
    shown: set[str] = set()

    def progress(done: int, total: int, step: str) -> None:
        if step not in shown:
            shown.add(step)
            click.echo(f"[{done}/{total}] {STEP_TEXT.get(step, step)}", err=True)

    # Chromium starts first, so its start overlaps loading the numbers' modules (pandas, the database: ~1 s).
    with ChartRenderer(render_tabs()) if drawn_formats(request.formats) else nullcontext() as renderer:
        from dashboard.exports.bundle import build_export
        from etl.store.db import get_engine

        files = build_export(get_engine(), request, out, progress, renderer)
    click.echo(f"Wrote {len(files)} files to {out}:")
    for path in files:
        click.echo(f"  {path.name}")


STEP_TEXT = {
    "numbers": "numbers gathered",
    "images": f"drawing the charts (Chromium: {BROWSER_PATH_ENV} or {SYSTEM_CHROMIUM}) …",
    "pdf": "PDF written",
    "xlsx": "workbook written",
    "done": "done",
}
