"""The `raak` command line: help everywhere, one-line errors with exit code 2, rounds and reference loading."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dashboard.cli import USAGE_ERROR_EXIT, main


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, (*prefix, name)))
    return found


def test_every_command_has_help() -> None:
    runner = CliRunner()
    commands = _all_commands(main)
    assert {("db", "upgrade"), ("reference", "load"), ("rounds", "add"), ("rounds", "close")} <= set(commands)
    for command in commands:
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage:" in result.output


def test_a_command_leaves_its_objects_to_the_os_at_exit() -> None:
    """Python's last garbage collections walked every object a command had loaded (~0.35 s after an export of
    1.5 s); once `raak`'s exit handlers have run, those objects are frozen out of the collections."""
    script = "import atexit, gc, dashboard.cli; atexit._run_exitfuncs(); print(gc.get_freeze_count())"
    frozen = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert int(frozen) > 10_000  # SQLAlchemy, click and every command module


def test_rounds_lifecycle_through_the_cli(use_database: str) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["rounds", "add", "2009", "--reference-date", "2009-12-31", "--deadline", "2010-02-01"])
    assert added.exit_code == 0, added.output
    assert runner.invoke(main, ["rounds", "close", "2009"]).exit_code == 0
    listed = runner.invoke(main, ["rounds", "list"])
    assert "2009" in listed.output and "closed" in listed.output and "2010-02-01" in listed.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["rounds", "close", "1999"], "unknown round '1999'"),
        (["rounds", "add", "2009", "--reference-date", "31-12-2009"], "not a date"),
        (["rounds", "add", "2009", "--reference-date", "2009-12-31", "--deadline", "2009-01-01"], "before"),
    ],
)
def test_errors_are_one_line_and_exit_2(use_database: str, args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == USAGE_ERROR_EXIT
    assert expected in result.output
    assert "Traceback" not in result.output


def test_reference_load_reports_counts_and_refuses_a_bad_division(use_database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    loaded = runner.invoke(main, ["reference", "load"])
    assert loaded.exit_code == 0, loaded.output
    assert "35 points, 5 levels" in loaded.output and "28 regions, 418 municipalities" in loaded.output
    bad = tmp_path / "regions.csv"
    bad.write_text("municipality_code,region_code,region_name\nGM0363,X1,Somewhere\n", encoding="utf-8")
    refused = runner.invoke(main, ["reference", "load", "--regions", str(bad)])
    assert refused.exit_code == USAGE_ERROR_EXIT
    assert "municipality_without_region at regions.csv" in refused.output


def test_db_upgrade_creates_the_default_sqlite_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RAAK_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "instance" / "raak.sqlite").is_file()


def test_raak_docs_writes_the_framework_page_from_the_data(tmp_path: Path) -> None:
    out = tmp_path / "framework.md"
    result = CliRunner().invoke(main, ["docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    committed = Path(__file__).resolve().parents[1] / "docs" / "framework.md"
    assert out.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8")
