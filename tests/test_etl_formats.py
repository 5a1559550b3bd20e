"""Workbooks written by another client: LibreOffice (.xls, .ods, .xlsx) and hand-made files per the contract."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from corpus.builders import (
    COMMITTED,
    COMMITTED_COMMENTS,
    COMMITTED_STATUSES,
    CORPUS,
    SMALL_REGION,
    add_rounds,
    current,
    expected,
    random_statuses,
    region_municipalities,
    sqlite_only,
    template,
    workbook,
)
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from etl.ingest.pipeline import ingest
from etl.store.db import engine_for
from etl.templates.template import fill_template
from etl.workbook.read import cell_ref, parse_cell_ref

FORMATS = ("xls", "ods", "xlsx")
LIBREOFFICE_TIMEOUT_SECONDS = 180
DEN_HAAG, AMSTERDAM = "GM0518", "GM0363"
LABELS = ["Niet gestart", "in voorbereiding", "GEDEELTELIJK INGEVOERD", "Ingevoerd", "Ingevoerd en geborgd"]


def handmade_statuses() -> dict[str, dict[int, object]]:
    """What the hand-made workbook says: labels for Den Haag, numbers-as-text and n/a for Amsterdam."""
    return {
        DEN_HAAG: {n: LABELS[n % 5] for n in range(1, 36)},
        AMSTERDAM: {n: ("n/a" if n % 7 == 0 else f" {n % 5} ") for n in range(1, 36)},
    }


def handmade_workbook() -> bytes:
    """Per docs/return-format.md, no _meta: moved rows and columns, reordered and hidden columns, headings."""
    values = handmade_statuses()
    den_haag: list[list[object]] = [
        ["Zelfevaluatie RAAK, gemaakt met eigen middelen"],
        [],
        [None, None, "gemeente code:"],
        [None, None, "0518"],  # the code below the label
        [],
        [None, "Titel", "Toelichting", "intern", "STATUS", "Punt."],
        [None, "Algemene uitgangspunten"],  # a heading row inside the table: skipped
    ]
    for number in range(1, 36):
        den_haag.append(
            [None, f"punt {number}", "uitleg" if number == 9 else None, "x", values[DEN_HAAG][number], str(number)]
        )
    amsterdam: list[list[object]] = [[], ["Municipality code", 363], ["Point", "Comment", "Status"]]
    amsterdam += [[n, None, values[AMSTERDAM][n]] for n in reversed(range(1, 36))]
    data = workbook(
        {"Instructies": [["Vul per gemeente in"], ["Nr", "Status"]], "Den Haag": den_haag, "Amsterdam": amsterdam},
        hidden_columns=[("Den Haag", "D")],
    )
    return data


def formula_workbook() -> bytes:
    """A status typed as a formula; LibreOffice stores its computed value next to it."""
    book = openpyxl.load_workbook(io.BytesIO(workbook({"S": [["Gemeentecode", DEN_HAAG], ["Nr", "Status"]]})))
    ws = book["S"]
    for number in range(1, 36):
        ws.cell(number + 2, 1, number)
        ws.cell(number + 2, 2, 3)
    ws["B3"] = "=1+1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _convert(files: list[Path], target: str, folder: Path) -> None:
    """One LibreOffice call for several files, with a private profile so parallel runs do not collide."""
    profile = folder / f"profile-{target}"
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(folder / target),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=LIBREOFFICE_TIMEOUT_SECONDS,
    )


def _shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all pytest-xdist workers of this run share (their own temp folder without xdist)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        return tmp_path_factory.mktemp("libreoffice")
    folder = tmp_path_factory.getbasetemp().parent / f"libreoffice-{run}"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory, database_factories: dict[str, object]) -> dict:
    """Source workbooks and their LibreOffice conversions, made once per test run (LibreOffice is slow)."""
    if shutil.which("libreoffice") is None:
        pytest.skip("libreoffice is not installed (apt-get install libreoffice-calc)")
    folder = _shared_folder(tmp_path_factory)
    engine = engine_for(database_factories["sqlite"].fresh(True))  # type: ignore[attr-defined]
    add_rounds(engine, "2009")
    codes = region_municipalities(engine, SMALL_REGION)
    values = random_statuses(codes, seed=21)
    values[codes[0]].update({1: "3 - Ingevoerd", 2: "n.v.t.", 3: 4})
    comments = {codes[0]: {1: "Ketenaanpak loopt", 2: "Geen eigen ziekenhuis"}}
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker converts, the others wait and reuse
        if not (folder / "done").exists():
            empty = template(engine, SMALL_REGION, "2009", folder / "empty")
            sources = {
                "filled": fill_template(empty, values, comments),
                "handmade": handmade_workbook(),
                "formula": formula_workbook(),
                "empty": empty.read_bytes(),
            }
            paths = []
            for name, data in sources.items():
                (folder / f"{name}.xlsx").write_bytes(data)
                paths.append(folder / f"{name}.xlsx")
            for target in FORMATS:
                _convert(paths, target, folder)
            (folder / "done").touch()
    engine.dispose()
    return {
        "values": values,
        "comments": comments,
        "codes": codes,
        "file": lambda name, fmt: (folder / fmt / f"{name}.{fmt}").read_bytes(),
    }


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_files_written_by_libreoffice_load_exactly(engine: Engine, name: str) -> None:
    add_rounds(engine, "2009")
    report = ingest(CORPUS / name, engine=engine)
    assert (report.status, report.issues, report.municipalities) == ("accepted", [], [DEN_HAAG])
    landed = current(engine, "2009")
    for number, value in COMMITTED_STATUSES.items():
        assert landed[(DEN_HAAG, number)] == (*expected(value), COMMITTED_COMMENTS.get(number)), (name, number)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_template_filled_and_saved_by_libreoffice_loads_exactly(engine: Engine, converted: dict, fmt: str) -> None:
    add_rounds(engine, "2009")
    report = ingest(converted["file"]("filled", fmt), f"filled.{fmt}", engine=engine)
    assert report.status == "accepted", report.issues
    assert report.issues == []
    landed = current(engine, "2009")
    for code in converted["codes"]:
        for number, value in converted["values"][code].items():
            comment = converted["comments"].get(code, {}).get(number)
            assert landed[(code, number)] == (*expected(value), comment), (fmt, code, number)


@sqlite_only
@pytest.mark.parametrize("fmt", ["original", *FORMATS])
def test_a_handmade_workbook_with_moved_columns_and_labels_loads(engine: Engine, converted: dict, fmt: str) -> None:
    add_rounds(engine, "2009")
    data = handmade_workbook() if fmt == "original" else converted["file"]("handmade", fmt)
    report = ingest(data, f"handmade.{fmt}", round="2009", engine=engine)
    assert report.status == "accepted", report.issues
    assert sorted(report.municipalities) == [AMSTERDAM, DEN_HAAG]
    landed = current(engine, "2009")
    for code, statuses in handmade_statuses().items():
        for number, value in statuses.items():
            status, not_applicable, _ = landed[(code, number)]
            assert (status, not_applicable) == expected(value if value == "n/a" else str(value).strip() or value)
    assert landed[(DEN_HAAG, 9)][2] == "uitleg"


@sqlite_only
def test_a_formula_saved_by_libreoffice_is_a_warning_and_its_value_is_used(engine: Engine, converted: dict) -> None:
    add_rounds(engine, "2009")
    report = ingest(converted["file"]("formula", "xlsx"), "formula.xlsx", round="2009", engine=engine)
    assert report.status == "accepted"
    assert [(i.code, i.sheet, i.cell) for i in report.issues] == [("formula_in_input", "S", "B3")]
    assert current(engine, "2009")[(DEN_HAAG, 1)] == (2, False, None)


@sqlite_only
@pytest.mark.parametrize("fmt", ["ods", "xls"])
def test_the_empty_template_survives_libreoffice_and_a_rejected_copy_is_annotated(
    engine: Engine, converted: dict, fmt: str
) -> None:
    add_rounds(engine, "2009")
    report = ingest(converted["file"]("empty", fmt), f"empty.{fmt}", engine=engine)
    assert report.status == "rejected"
    assert [i.code for i in report.issues].count("no_return") == len(converted["codes"])
    assert report.annotated is not None
    book = openpyxl.load_workbook(io.BytesIO(report.annotated))
    original = openpyxl.load_workbook(io.BytesIO(converted["file"]("empty", "xlsx")))
    assert book.sheetnames == ["Fouten", *original.sheetnames]
    sheet = book[original.sheetnames[1]]
    assert sheet["A3"].value == "Gemeentecode" and sheet["A10"].value == 1


@given(st.integers(0, 1_048_575), st.integers(0, 16_383))
def test_cell_addresses_round_trip_over_the_whole_sheet(row: int, column: int) -> None:
    assert parse_cell_ref(cell_ref(row, column)) == (row, column)


def test_cell_addresses_read_as_excel_writes_them() -> None:
    assert [cell_ref(0, 0), cell_ref(11, 3), cell_ref(0, 26), cell_ref(0, 16_383)] == ["A1", "D12", "AA1", "XFD1"]
    assert parse_cell_ref("AB7") == (6, 27)
    for text in ("A0", "7", "D", "$D$12", "d12", "D12:E13", "ABCD1", ""):
        with pytest.raises(ValueError, match="not a cell address"):
            parse_cell_ref(text)
