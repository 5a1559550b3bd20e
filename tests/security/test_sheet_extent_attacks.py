"""Issue 9, item 1: a tiny workbook with one value far away must not make the reader build a huge dense grid.

Every crafted file is built at test time (tests/corpus/packages.py, or BIFF records patched into the committed .xls),
never committed. Each is ingested in a child process whose address space is capped, so a regression (an abort on a
failed allocation of hundreds of GB, as before the fix) fails the test instead of killing pytest."""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import olefile
import pytest
from corpus.builders import CORPUS, SnapshotFn, add_rounds, assert_only_rejection_recorded
from corpus.packages import MAIN_NS, ods, xlsx
from sqlalchemy import Engine

from etl.store.config import MAX_CELLS_PER_FILE, MAX_COLUMNS_PER_SHEET

MEMORY_CAP_BYTES = 1024**3  # far below what one far cell used to cost, far above what a bounded read needs
CHILD_TIMEOUT_SECONDS = 300  # a hang guard only, never a speed assertion
ROOT = Path(__file__).resolve().parents[2]
RUNNER = """
import json, resource, sys
cap = int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from etl.store.db import engine_for
from etl.ingest.pipeline import ingest
report = ingest(sys.stdin.buffer.read(), sys.argv[2], round=sys.argv[3], engine=engine_for(sys.argv[1]))
print(json.dumps({"status": report.status, "issues": [issue.to_dict() for issue in report.issues]}))
"""


def patched_xls(tmp_path: Path, patch: Callable[[bytearray, int, int, int], None]) -> bytes:
    """The committed LibreOffice .xls with its BIFF records patched in place (same length), record by record."""
    path = tmp_path / "patched.xls"
    path.write_bytes((CORPUS / "den_haag.xls").read_bytes())
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        offset = 0
        while offset + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, offset)
            patch(stream, offset + 4, kind, length)
            offset += 4 + length
        ole.write_stream("Workbook", bytes(stream))
    return path.read_bytes()


def far_rk_cell(stream: bytearray, body: int, kind: int, length: int) -> None:
    """Move every RK number (the statuses) to row 60 000, column 60 000: beyond what any .xls may hold."""
    if kind == 0x027E:
        struct.pack_into("<HH", stream, body, 59_999, 59_999)


def false_dimensions(stream: bytearray, body: int, kind: int, length: int) -> None:
    """Declare every sheet 65 536 rows × 65 535 columns; the .xls reader reserves memory for it up front."""
    if kind == 0x0200 and length == 14:
        struct.pack_into("<IIHH", stream, body, 0, 65_536, 0, 65_535)


A1 = '<row r="1"><c r="A1" t="inlineStr"><is><t>Gemeentecode</t></is></c><c r="B1"><v>518</v></c></row>'
VALUE = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
# A real LibreOffice sheet ends like this: repeated empty rows and cells up to the last row and column.
LIBREOFFICE_TAIL = (
    '<table:table-row table:number-rows-repeated="1048574">'
    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
)
# Sheets of 200 rows × 256 columns (51 200 cells each), as many as it takes to pass the file's cell limit.
MODERATE_SHEETS = MAX_CELLS_PER_FILE // (200 * MAX_COLUMNS_PER_SHEET) + 1


@cache
def attacks() -> dict[str, tuple[str, Callable[[Path], bytes], str, str]]:
    """case → (file name, maker, sheet, offending cell)."""
    return {
        "xlsx, far cell, no dimension": (
            "ver.xlsx",
            lambda _: xlsx({"Blad1": A1 + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'}),
            "Blad1",
            "XFD1048576",
        ),
        "xlsx, far cell, false dimension": (
            "gelogen.xlsx",
            lambda _: xlsx({"Blad1": A1 + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'}, "A1:B1"),
            "Blad1",
            "XFD1048576",
        ),
        "xlsx, XFD5000 (within the row limit)": (
            "breed.xlsx",
            lambda _: xlsx({"Blad1": A1 + '<row r="5000"><c r="XFD5000"><v>1</v></c></row>'}, "A1:B1"),
            "Blad1",
            "XFD5000",
        ),
        "xlsx, rows and cells without addresses": (
            "zonder-adres.xlsx",
            lambda _: xlsx({"Blad1": A1 + "<row>" + "<c/>" * 16_383 + "<c><v>1</v></c></row>"}),
            "Blad1",
            "XFD2",
        ),
        "xlsx, many moderate sheets past the cell limit": (
            "veel.xlsx",
            lambda _: xlsx(
                {f"Blad{i}": A1 + '<row r="200"><c r="IV200"><v>1</v></c></row>' for i in range(1, 41)}, "A1:B1"
            ),
            f"Blad{MODERATE_SHEETS}",
            "IV200",
        ),
        "ods, far cell after repeated empty rows and cells": (
            "ver.ods",
            lambda _: ods(
                {
                    "Blad1": f"<table:table-row>{VALUE}</table:table-row>"
                    '<table:table-row table:number-rows-repeated="1048574"><table:table-cell/></table:table-row>'
                    f'<table:table-row><table:table-cell table:number-columns-repeated="16383"/>{VALUE}'
                    f"</table:table-row>{LIBREOFFICE_TAIL}"
                }
            ),
            "Blad1",
            "XFD1048576",
        ),
        "ods, one value repeated across a row": (
            "herhaald.ods",
            lambda _: ods(
                {
                    "Blad1": '<table:table-row table:number-rows-repeated="5000"><table:table-cell '
                    'table:number-columns-repeated="16384" office:value-type="float" office:value="1">'
                    "<text:p>1</text:p></table:table-cell></table:table-row>"
                }
            ),
            "Blad1",
            "XFD5000",
        ),
        "xls, value records far beyond the format": (
            "ver.xls",
            lambda tmp_path: patched_xls(tmp_path, far_rk_cell),
            "Den Haag",
            "CJSR60000",
        ),
        "xls, false DIMENSIONS": (
            "gelogen.xls",
            lambda tmp_path: patched_xls(tmp_path, false_dimensions),
            "Den Haag",
            "CRXO65536",
        ),
    }


def ingest_capped(db_url: str, data: bytes, name: str) -> subprocess.CompletedProcess[bytes]:
    """`ingest()` on the same database in a child process limited to MEMORY_CAP_BYTES of address space."""
    return subprocess.run(
        [sys.executable, "-c", RUNNER, db_url, name, "2009", str(MEMORY_CAP_BYTES)],
        input=data,
        capture_output=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("case", list(attacks()))
def test_a_sheet_reaching_far_is_refused_before_it_is_read_and_changes_nothing(
    engine: Engine, db_url: str, tmp_path: Path, table_snapshot: SnapshotFn, case: str
) -> None:
    name, make, sheet, cell = attacks()[case]
    add_rounds(engine, "2009")
    data = make(tmp_path)
    before = table_snapshot(engine)

    done = ingest_capped(db_url, data, name)

    assert done.returncode == 0, f"the reader died (exit {done.returncode}): {done.stderr.decode()[-600:]}"
    report = json.loads(done.stdout)
    assert report["status"] == "rejected"
    [issue] = report["issues"]
    assert (issue["code"], issue["file"], issue["sheet"], issue["cell"]) == ("sheet_too_large", name, sheet, cell)
    assert cell in issue["message_nl"] and cell in issue["message_en"]
    assert "grens" in issue["message_nl"] and "limit" in issue["message_en"]
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=1)


def test_the_extent_limits_come_from_the_settings(
    engine: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch, table_snapshot: SnapshotFn
) -> None:
    add_rounds(engine, "2009")
    data = xlsx({"Blad1": A1 + '<row r="3"><c r="D3"><v>1</v></c></row>'})
    monkeypatch.setenv("RAAK_MAX_COLUMNS_PER_SHEET", "3")
    before = table_snapshot(engine)
    report = json.loads(ingest_capped(db_url, data, "d.xlsx").stdout)
    [issue] = report["issues"]
    assert (issue["code"], issue["cell"]) == ("sheet_too_large", "D3")
    assert "de grens is 3 (max_columns_per_sheet)" in issue["message_nl"]
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=1)


def test_libreoffice_trailing_empty_rows_and_cells_do_not_count() -> None:
    """A sheet that ends in repeated empty rows and cells up to XFD1048576, as LibreOffice writes it, is read."""
    from etl.store.config import get_settings
    from etl.workbook.read import read_workbook

    empty_cells = '<table:table-cell table:number-columns-repeated="16383"/>'
    data = ods({"Blad1": f"<table:table-row>{VALUE}{empty_cells}</table:table-row>{LIBREOFFICE_TAIL}"})
    result = read_workbook(data, "lo.ods", get_settings())
    assert result.issues == []
    assert result.workbook is not None and [list(row) for row in result.workbook.sheets[0].rows] == [[1.0]]


def test_the_memory_cap_of_the_child_is_real() -> None:
    """The cap the tests rely on: a child under it cannot allocate what the far cell used to cost."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP_BYTES}, {MEMORY_CAP_BYTES})); "
            f"bytearray({2 * MEMORY_CAP_BYTES})",
        ],
        capture_output=True,
        check=False,
    )
    assert done.returncode != 0 and b"MemoryError" in done.stderr
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != MEMORY_CAP_BYTES  # the test process itself is not capped


DODGES = {
    # case: (sheet XML inside <sheetData>, expected (code, cell))
    "a second r, which the reader takes": ('<row r="1"><c r="A1" r="XFD50"><v>1</v></c></row>', ("corrupt_file", None)),
    "a prefixed cell": (
        f'<row r="1"><c r="A1"><v>1</v></c><x:c xmlns:x="{MAIN_NS}" r="XFD50"><v>1</v></x:c></row>',
        ("sheet_too_large", "XFD50"),
    ),
    "other spacing": (
        '<row r="1"><c  r="A1"><v>1</v></c><c\tr = "XFD50"><v>1</v></c></row>',
        ("sheet_too_large", "XFD50"),
    ),
    "a document type with entities, in a sheet the quick count cannot settle": (
        "<row><c><v>1</v></c></row>",
        ("corrupt_file", None),
    ),
}


@pytest.mark.parametrize("case", list(DODGES))
def test_cells_written_to_dodge_the_quick_count_are_still_bounded(case: str) -> None:
    """Markup a quick byte count could misread goes to the streaming parser; what it cannot parse is refused."""
    from etl.store.config import get_settings
    from etl.workbook.read import read_workbook

    body, expected = DODGES[case]
    data = xlsx({"Blad1": body})
    if case.startswith("a document type"):
        data = _replace_part(
            data,
            "xl/worksheets/sheet1.xml",
            b'<?xml version="1.0"?>',
            b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "x">]>',
        )
    result = read_workbook(data, "x.xlsx", get_settings())
    assert [(issue.code, issue.cell) for issue in result.issues] == [expected]


def test_a_sheet_part_reached_by_a_dotted_path_is_scanned() -> None:
    from etl.store.config import get_settings
    from etl.workbook.read import read_workbook

    data = xlsx({"Blad1": A1 + '<row r="50"><c r="XFD50"><v>1</v></c></row>'})
    data = _replace_part(data, "xl/_rels/workbook.xml.rels", b'Target="worksheets/', b'Target="../xl/worksheets/')
    result = read_workbook(data, "x.xlsx", get_settings())
    assert [(issue.code, issue.cell) for issue in result.issues] == [("sheet_too_large", "XFD50")]


def _replace_part(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for item in source.infolist():
            content = source.read(item)
            package.writestr(item, content.replace(old, new) if item.filename == part else content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("rows", "detail"),
    [
        (
            f'<table:table-row table:number-rows-repeated="100000"><table:table-row>{VALUE}</table:table-row>'
            "</table:table-row>",
            "a row inside a row",
        ),
        (f"<table:table-row><table:table-cell>{VALUE}</table:table-cell></table:table-row>", "a cell inside a cell"),
    ],
)
def test_nesting_that_would_hide_a_repeat_count_is_refused(rows: str, detail: str) -> None:
    """An inner row or cell must not reset the outer one's repeat count before it is counted."""
    from etl.store.config import get_settings
    from etl.workbook.read import read_workbook

    result = read_workbook(ods({"Blad1": rows}), "nest.ods", get_settings())
    assert [issue.code for issue in result.issues] == ["corrupt_file"] and detail in result.issues[0].message_en
