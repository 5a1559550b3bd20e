"""Random mutations of a valid workbook: whatever comes in, the outcome is an IngestReport, never an exception."""

from __future__ import annotations

import contextlib
import io
import zipfile
from functools import cache

import openpyxl
from corpus.builders import ALL_POINTS_3, COMMITTED, CORPUS, add_rounds, count, points_rows, workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from etl.ingest.pipeline import IngestReport, ingest
from etl.store import models as m

EXAMPLES = 25
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
GRID_ROWS, GRID_COLUMNS = 40, 5
SHEETS = ("Den Haag", "_meta")


@cache
def valid() -> bytes:
    return workbook(
        {
            "Den Haag": [["Gemeentecode", "GM0518"], [], *points_rows(ALL_POINTS_3)],
            "_meta": [["template_version", "1"], ["round", "2009"], ["region", "GG3906"]],
        }
    )


cell_values = st.one_of(
    st.none(),
    st.integers(min_value=-10, max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.text(alphabet="GM0123456789.-_ abcXYZ", min_size=30, max_size=300),  # longer than any column allows
    st.sampled_from(
        ["Gemeentecode", "Nr", "Status", "n.v.t.", "GM0363", "3 - Ingevoerd", "=1+1", "_meta", "2010", "9" * 5000]
    ),
)
edits = st.one_of(
    st.tuples(
        st.just("set"), st.sampled_from(SHEETS), st.integers(1, GRID_ROWS), st.integers(1, GRID_COLUMNS), cell_values
    ),
    st.tuples(st.just("delete_rows"), st.integers(1, GRID_ROWS), st.integers(1, 3)),
    st.tuples(st.just("insert_cols"), st.integers(1, GRID_COLUMNS), st.integers(1, 2)),
    st.tuples(st.just("rename"), st.sampled_from(SHEETS), st.text(min_size=1, max_size=20)),
    st.tuples(st.just("drop_sheet"), st.sampled_from(SHEETS)),
)


def _apply(data: bytes, changes: list[tuple]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for change in changes:
        kind, *args = change
        if kind == "set" and args[0] in book.sheetnames:
            sheet, row, column, value = args
            book[sheet].cell(row, column).value = value
        elif kind == "delete_rows" and "Den Haag" in book.sheetnames:
            book["Den Haag"].delete_rows(args[0], args[1])
        elif kind == "insert_cols" and "Den Haag" in book.sheetnames:
            book["Den Haag"].insert_cols(args[0], args[1])
        elif kind == "rename" and args[0] in book.sheetnames:
            with contextlib.suppress(ValueError):  # a name Excel forbids: openpyxl refuses it, as Excel does
                book[args[0]].title = args[1]
        elif kind == "drop_sheet" and args[0] in book.sheetnames and len(book.sheetnames) > 1:
            book.remove(book[args[0]])
        if "Den Haag" not in book.sheetnames:
            break
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _check(report: IngestReport, engine: Engine, assessments_before: int) -> None:
    assert isinstance(report, IngestReport)
    assert report.status in {"accepted", "rejected", "duplicate"}
    assert all(issue.message_nl and issue.message_en for issue in report.issues)
    if report.status == "rejected":
        assert report.errors
        assert count(engine, m.Assessment) == assessments_before
    else:
        assert not report.errors


@FUZZ_SETTINGS
@given(changes=st.lists(edits, min_size=1, max_size=6))
def test_edited_cells_and_sheets_always_give_a_report(engine: Engine, changes: list[tuple]) -> None:
    add_rounds_once(engine)
    data = _apply(valid(), changes)
    before = count(engine, m.Assessment)
    _check(ingest(data, "edited.xlsx", engine=engine), engine, before)


@FUZZ_SETTINGS
@given(
    base=st.sampled_from(["den_haag.xlsx", *COMMITTED]),
    position=st.floats(min_value=0, max_value=1, exclude_max=True),
    garbage=st.binary(min_size=1, max_size=64),
    truncate=st.booleans(),
)
def test_damaged_bytes_always_give_a_report(
    engine: Engine, base: str, position: float, garbage: bytes, truncate: bool
) -> None:
    add_rounds_once(engine)
    data = valid() if base == "den_haag.xlsx" else (CORPUS / base).read_bytes()
    at = int(position * len(data))
    damaged = data[:at] + (b"" if truncate else garbage + data[at + len(garbage) :])
    before = count(engine, m.Assessment)
    _check(ingest(damaged, f"damaged-{base}", engine=engine), engine, before)


@FUZZ_SETTINGS
@given(
    part=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"]),
    position=st.floats(min_value=0, max_value=1, exclude_max=True),
    replacement=st.sampled_from([b"", b"<", b">", b'"', b"<f>1/0</f>", b"&amp;", b'<c r="ZZZ9">', b"\x00", b"99999"]),
)
def test_damaged_xml_inside_a_valid_zip_always_gives_a_report(
    engine: Engine, part: str, position: float, replacement: bytes
) -> None:
    add_rounds_once(engine)
    source = zipfile.ZipFile(io.BytesIO(valid()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == part:
                at = int(position * len(content))
                content = content[:at] + replacement + content[at + 1 :]
            target.writestr(item, content)
    before = count(engine, m.Assessment)
    _check(ingest(out.getvalue(), "xml.xlsx", engine=engine), engine, before)


@FUZZ_SETTINGS
@given(
    name=st.text(min_size=1, max_size=400),
    uploader=st.none() | st.text(max_size=400),
    region=st.none() | st.text(max_size=40),
    round_label=st.none() | st.text(max_size=40),
    remote_addr=st.none() | st.text(max_size=100),
)
def test_any_caller_arguments_give_a_report(
    engine: Engine,
    name: str,
    uploader: str | None,
    region: str | None,
    round_label: str | None,
    remote_addr: str | None,
) -> None:
    add_rounds_once(engine)
    before = count(engine, m.Assessment)
    report = ingest(
        valid(), name, round=round_label, region=region, uploader=uploader, remote_addr=remote_addr, engine=engine
    )
    _check(report, engine, before)


def add_rounds_once(engine: Engine) -> None:
    """Hypothesis runs many examples on one database: add the round on the first only."""
    if count(engine, m.Round) == 0:
        add_rounds(engine, "2009")
