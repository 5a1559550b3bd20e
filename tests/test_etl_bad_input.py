"""A corpus of bad input, made at test time: each file gets one clear, located error and changes no data."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import IO

import msoffcrypto.format.ooxml
import pytest
from corpus.builders import (
    ALL_POINTS_3,
    CORPUS,
    SnapshotFn,
    add_rounds,
    assert_only_rejection_recorded,
    points_rows,
    sqlite_only,
    workbook,
)
from corpus.packages import WORKSHEET_END, WORKSHEET_START, SheetWriter, xlsx
from sqlalchemy import Engine, select

from etl.ingest.pipeline import ingest
from etl.store import models as m
from etl.store.config import MAX_ROWS_PER_SHEET, MAX_UPLOAD_BYTES
from etl.store.db import session_scope

MEGABYTE = 1024 * 1024
MILLION = 1_000_000
XLS_ABORT_OFFSET, XLS_ABORT_BYTE = 3577, 0x49


def valid_workbook() -> bytes:
    return workbook({"Den Haag": [["Gemeentecode", "GM0518"], [], *points_rows(ALL_POINTS_3)]})


def csv_file() -> bytes:
    return ("Gemeentecode;Nr;Status\n" + "".join(f"GM0518;{n};3\n" for n in range(1, 36))).encode()


def truncated_zip() -> bytes:
    data = valid_workbook()
    return data[: len(data) // 2]


@cache
def encrypted_workbook() -> bytes:
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(valid_workbook())).encrypt("geheim", out)
    return out.getvalue()


def _rows_sheet(rows: int, *, declare_dimension: bool) -> SheetWriter:
    def write(stream: IO[bytes]) -> None:
        rng = random.Random(rows)
        stream.write(WORKSHEET_START)
        if declare_dimension:
            stream.write(f'<dimension ref="A1:A{rows}"/>'.encode())
        stream.write(b"<sheetData>")
        batch = 50_000
        for start in range(1, rows + 1, batch):
            stream.write(
                "".join(
                    f'<row r="{r}"><c r="A{r}"><v>{rng.randint(0, 99)}</v></c></row>'
                    for r in range(start, min(start + batch, rows + 1))
                ).encode()
            )
        stream.write(b"</sheetData>" + WORKSHEET_END)

    return write


@cache
def zip_bomb() -> bytes:
    """A few hundred kilobytes that unpack to a sheet of 90 MB (mostly whitespace)."""

    def write(stream: IO[bytes]) -> None:
        stream.write(WORKSHEET_START)
        padding = b" " * MEGABYTE
        for _ in range(90):
            stream.write(padding)
        stream.write(b"<sheetData/>" + WORKSHEET_END)

    return xlsx({"Big": write})


def html_page() -> bytes:
    return b"<html><table><tr><td>GM0518</td></tr></table></html>"


def xlsx_rows(rows: int, *, declare_dimension: bool) -> bytes:
    """A package whose one sheet (`Big`) has `rows` rows of one number each, streamed."""
    return xlsx({"Big": _rows_sheet(rows, declare_dimension=declare_dimension)})


@cache
def million_rows_declared() -> bytes:
    """Like Excel writes it: the sheet declares its size in `<dimension>`, so it is refused before parsing."""
    return xlsx_rows(MILLION, declare_dimension=True)


@cache
def million_rows_undeclared() -> bytes:
    """Without `<dimension>`: refused by the streamed extent check, at the first row past the limit."""
    return xlsx_rows(MILLION, declare_dimension=False)


BAD_INPUT: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # name: (maker, file name as uploaded, expected code)
    "empty file": (lambda: b"", "leeg.xlsx", "empty_file"),
    "random bytes": (lambda: random.Random(1).randbytes(4096), "ruis.xlsx", "unsupported_file_type"),
    "csv renamed .xlsx": (csv_file, "export.xlsx", "unsupported_file_type"),
    "html saved as .xls": (html_page, "web.xls", "unsupported_file_type"),
    "pdf": (lambda: b"%PDF-1.4\n" + bytes(200), "scan.xlsx", "unsupported_file_type"),
    "truncated zip": (truncated_zip, "half.xlsx", "corrupt_file"),
    "broken ole2": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "oud.xls", "corrupt_file"),
    "password protected": (encrypted_workbook, "geheim.xlsx", "encrypted_file"),
    "zip bomb": (zip_bomb, "bom.xlsx", "compression_ratio_too_high"),
    "million rows, declared": (million_rows_declared, "groot.xlsx", "too_many_rows"),
    "million rows, undeclared": (million_rows_undeclared, "groot2.xlsx", "sheet_too_large"),
}


@sqlite_only
@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_one_clear_error_and_changes_nothing(
    engine: Engine, table_snapshot: SnapshotFn, case: str
) -> None:
    maker, name, code = BAD_INPUT[case]
    add_rounds(engine, "2009")
    data = maker()
    before = table_snapshot(engine)

    report = ingest(data, name, round="2009", engine=engine)

    assert report.status == "rejected"
    assert [issue.code for issue in report.issues] == [code]
    issue = report.issues[0]
    assert issue.file == name and issue.message_nl and issue.message_en and issue.message_nl != issue.message_en
    assert report.annotated is None  # nothing that could be opened
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=1)
    with session_scope(engine) as session:
        upload = session.get(m.Upload, report.upload_id)
        assert (upload.status, upload.filename, upload.size_bytes) == ("rejected", name, len(data))
        assert upload.round_id is not None  # the round was known, so the rejection belongs to it


def test_the_row_limit_message_names_the_limit() -> None:
    from etl.store.config import get_settings
    from etl.workbook.read import read_workbook

    result = read_workbook(xlsx_rows(MAX_ROWS_PER_SHEET + 1, declare_dimension=False), "x.xlsx", get_settings())
    (issue,) = result.issues
    assert (issue.code, issue.sheet, issue.cell) == ("sheet_too_large", "Big", f"A{MAX_ROWS_PER_SHEET + 1}")
    assert str(MAX_ROWS_PER_SHEET) in issue.message_en and "max_rows_per_sheet" in issue.message_nl


def test_a_50_megabyte_file_is_refused_without_being_read(
    engine: Engine, tmp_path: Path, table_snapshot: SnapshotFn
) -> None:
    add_rounds(engine, "2009")
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as stream:
        stream.write(valid_workbook())
        stream.truncate(50 * MEGABYTE)
    before = table_snapshot(engine)
    report = ingest(path, round="2009", engine=engine)
    assert [(i.code, i.file) for i in report.issues] == [("file_too_large", "huge.xlsx")]
    assert str(MAX_UPLOAD_BYTES) in report.issues[0].message_en and str(50 * MEGABYTE) in report.issues[0].message_nl
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=1)


@sqlite_only
@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("RAAK_MAX_UNCOMPRESSED_BYTES", "2000", "uncompressed_too_large"),
        ("RAAK_MAX_COMPRESSION_RATIO", "1", "compression_ratio_too_high"),
        ("RAAK_MAX_SHEETS", "1", "too_many_sheets"),
        ("RAAK_MAX_UPLOAD_BYTES", "100", "file_too_large"),
    ],
)
def test_limits_come_from_the_settings_and_name_their_value(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, code: str
) -> None:
    add_rounds(engine, "2009")
    data = workbook({"Info": [["Lees mij"]], "Den Haag": [["Gemeentecode", "GM0518"], [], *points_rows(ALL_POINTS_3)]})
    monkeypatch.setenv(variable, value)
    report = ingest(data, "x.xlsx", round="2009", engine=engine)
    assert [i.code for i in report.issues] == [code]
    assert value in report.issues[0].message_en


def test_unreadable_input_without_a_known_round_is_recorded_without_round(engine: Engine) -> None:
    report = ingest(b"", "leeg.xlsx", engine=engine)
    assert (report.status, report.round) == ("rejected", None)
    with session_scope(engine) as session:
        assert session.scalars(select(m.Upload.round_id)).one() is None


@sqlite_only
@pytest.mark.parametrize(
    ("rows", "code", "closed"),
    [
        ([["Gemeentecode", "GM9999"], [], *points_rows(ALL_POINTS_3)], "unknown_municipality", False),
        ([["Gemeentecode", "GM0518"], [], *points_rows(ALL_POINTS_3)], "round_closed", True),
    ],
)
def test_unknown_municipality_or_closed_round_changes_nothing(
    engine: Engine, table_snapshot: SnapshotFn, rows: list[list[object]], code: str, closed: bool
) -> None:
    add_rounds(engine, "2009", closed=["2009"] if closed else [])
    before = table_snapshot(engine)
    report = ingest(workbook({"S": rows}), "x.xlsx", round="2009", engine=engine)
    assert [i.code for i in report.errors] == [code]
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=len(report.issues))


@sqlite_only
def test_the_type_is_decided_by_content_not_by_extension(engine: Engine) -> None:
    add_rounds(engine, "2009")
    report = ingest(valid_workbook(), "really-an-xlsx.xls", round="2009", engine=engine)
    assert (report.status, report.issues) == ("accepted", [])


@sqlite_only
def test_an_xls_that_aborts_the_cell_reader_is_rejected_and_the_process_survives(
    engine: Engine, table_snapshot: SnapshotFn
) -> None:
    # One changed byte in the committed .xls: python-calamine 0.9 then tries to allocate ~500 GB and aborts the
    # whole process (not an exception). The reader runs .xls files in a child process for exactly this reason.
    add_rounds(engine, "2009")
    data = bytearray((CORPUS / "den_haag.xls").read_bytes())
    data[XLS_ABORT_OFFSET] = XLS_ABORT_BYTE
    before = table_snapshot(engine)
    report = ingest(bytes(data), "kapot.xls", round="2009", engine=engine)
    assert report.status == "rejected"
    assert [issue.code for issue in report.issues] == ["corrupt_file"]
    assert_only_rejection_recorded(before, table_snapshot(engine), issues=1)
