"""`raak ingest`: load returned workbooks (files or folders), print a summary, exit 0 (all accepted) or 1."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from etl.ingest.pipeline import IngestReport

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
LOCK_FILE_PREFIXES = ("~$", ".~lock", ".")  # Excel and LibreOffice lock files, hidden files
PROGRESS_MIN_FILES = 3
REJECTED_EXIT = 1


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; folders → the workbooks inside them (recursively, sorted, lock files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(LOCK_FILE_PREFIXES)
            )
        else:
            files.append(path)
    return files


def _table(reports: list[IngestReport]) -> list[str]:
    headers = ("File", "Status", "Round", "Municipalities", "Errors", "Warnings")
    rows = [
        (
            r.file,
            r.status,
            r.round or "-",
            str(len(r.municipalities)),
            str(len(r.errors)),
            str(len(r.warnings)),
        )
        for r in reports
    ]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [line(headers), line(tuple("-" * w for w in widths)), *(line(row) for row in rows)]


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--round", "round_label", help="Round label; must match the file's own (_meta) round if it has one.")
@click.option("--region", help="Region code; every municipality in the files must belong to it.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of the table.")
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a marked-up copy of every rejected workbook into this folder.",
)
def ingest(
    paths: tuple[Path, ...], round_label: str | None, region: str | None, as_json: bool, annotate_dir: Path | None
) -> None:
    """Validate and load the returned workbooks in PATHS (files or folders).

    Exit code 0 when every file was accepted (or was a duplicate), 1 when any was rejected, 2 on usage errors.
    """
    from etl.admin.rounds import get_round
    from etl.ingest.pipeline import ingest as ingest_file
    from etl.ingest.validate import ReferenceCache
    from etl.store.audit import cli_actor
    from etl.store.db import session_scope
    from etl.store.models import Region

    files = expand(paths)
    if not files:
        raise click.UsageError("no workbooks (.xlsx, .xlsm, .xls, .ods) found in " + ", ".join(map(str, paths)))
    with session_scope() as session:  # a typo in an option is a usage error, not a rejected file
        if round_label:
            get_round(session, round_label.strip())
        if region and session.get(Region, region.strip().upper()) is None:
            raise click.UsageError(f"unknown region {region!r}")
    actor = cli_actor()
    reports = []
    reference = ReferenceCache()  # read once for all the files, not once per file
    with click.progressbar(
        files, label="Ingesting", file=sys.stderr, hidden=as_json or len(files) < PROGRESS_MIN_FILES
    ) as progress:
        for path in progress:
            reports.append(ingest_file(path, round=round_label, region=region, uploader=actor, reference=reference))
    if annotate_dir is not None:
        annotate_dir.mkdir(parents=True, exist_ok=True)
        for path, report in zip(files, reports, strict=True):
            if report.annotated is not None:
                target = annotate_dir / f"{path.stem}.annotated.xlsx"
                target.write_bytes(report.annotated)
                if not as_json:
                    click.echo(f"Annotated copy: {target}", err=True)
    summary = {status: sum(r.status == status for r in reports) for status in ("accepted", "rejected", "duplicate")}
    if as_json:
        click.echo(json.dumps({"files": [r.to_dict() for r in reports], "summary": summary}, ensure_ascii=False))
    else:
        for line in _table(reports):
            click.echo(line)
        for report in reports:
            for issue in report.issues:
                click.echo(f"  {issue.line('en')}")
                click.echo(f"    {issue.message_nl}")
        click.echo(f"{summary['accepted']} accepted, {summary['rejected']} rejected, {summary['duplicate']} duplicate.")
    if summary["rejected"]:
        sys.exit(REJECTED_EXIT)
