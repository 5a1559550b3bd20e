"""The national export of the demo database (`raak export --round 2011`, all formats, Dutch) and the report it must
agree with, made once per test run: drawing the charts starts Chromium. `exported` is a session fixture for every
test module (tests/conftest.py)."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from corpus.demo import shared_folder
from dashboard.cli import main

ROUND = "2011"
PDF_NAME, XLSX_NAME = f"{ROUND}_national_report.pdf", f"{ROUND}_national_tables.xlsx"


@dataclass(frozen=True)
class Exported:
    """The national export's folder, what the command printed, and the report it must agree with."""

    folder: Path
    output: str
    report: dict[str, Any]


def cli_env(engine: Engine) -> dict[str, str]:
    """The environment that points `raak` at `engine`'s database."""
    return {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}


@pytest.fixture(scope="session")
def exported(demo_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """`raak export --round 2011 --out DIR` (all formats, Dutch) and `raak report --round 2011 --json`, once per run."""
    folder = shared_folder(tmp_path_factory) / "raak-export-national"
    folder.mkdir(exist_ok=True)
    out = folder / "out"
    with (folder / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "built").exists():
            runner = CliRunner()
            result = runner.invoke(main, ["export", "--round", ROUND, "--out", str(out)], env=cli_env(demo_engine))
            assert result.exit_code == 0, result.output
            (folder / "output.txt").write_text(result.stdout, encoding="utf-8")
            report = runner.invoke(main, ["report", "--round", ROUND, "--json"], env=cli_env(demo_engine))
            assert report.exit_code == 0, report.output
            (folder / "report.json").write_text(report.stdout, encoding="utf-8")
            (folder / "built").touch()
    yield Exported(
        out,
        (folder / "output.txt").read_text(encoding="utf-8"),
        json.loads((folder / "report.json").read_text(encoding="utf-8")),
    )
