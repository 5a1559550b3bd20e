"""Property: whatever bytes are uploaded — random, or a valid return with a value placed anywhere on any sheet — the
upload callback answers (never a 500 or a dead process), the reader never builds more than the cell limit, and a
rejection changes nothing but the upload log. Builds on tests/test_upload_fuzz.py (its fixture and `check`)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from corpus.builders import sqlite_only
from corpus.uploads import check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from etl.store.config import get_settings
from etl.workbook.extent import address
from etl.workbook.read import read_workbook

EXAMPLES = 30
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Small limits keep every example cheap; the property does not depend on their size.
LIMITS = {"RAAK_MAX_ROWS_PER_SHEET": "300", "RAAK_MAX_COLUMNS_PER_SHEET": "30", "RAAK_MAX_CELLS_PER_FILE": "60000"}
FAR_ROWS = st.integers(1, 1_100_000)
FAR_COLUMNS = st.integers(0, 17_000)
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")

pytestmark = sqlite_only  # handling input does not depend on the database; the attack tests cover both


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in LIMITS.items():
        monkeypatch.setenv(name, value)


def with_far_value(valid: bytes, sheet: int, row: int, column: int, keep_dimension: bool) -> bytes:
    """The valid return with one inline string appended at (row, column) of its `sheet`-th sheet part."""
    source, out = zipfile.ZipFile(io.BytesIO(valid)), io.BytesIO()
    parts = sorted(name for name in source.namelist() if name.startswith("xl/worksheets/sheet"))
    target = parts[sheet % len(parts)]
    cell = f'<row r="{row}"><c r="{address(row - 1, column)}" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == target:
                content = _SHEET_DATA_END.sub(lambda end: cell.encode() + end[0], content, count=1)
                if not keep_dimension:
                    content = re.sub(rb"<dimension [^>]*/>", b"", content)
            package.writestr(item, content)
    return out.getvalue()


def assert_bounded(data: bytes, name: str) -> None:
    """What the reader hands on never exceeds the cell limit, and a refusal for size names a cell."""
    config = get_settings()
    result = read_workbook(data, name, config)
    if result.workbook is not None:
        sheets = result.workbook.sheets
        area = sum(len(sheet.rows) * max((len(row) for row in sheet.rows), default=0) for sheet in sheets)
        assert area <= config.max_cells_per_file
    for issue in result.issues:
        if issue.code == "sheet_too_large":
            assert issue.sheet and issue.cell and issue.cell in issue.message_en and issue.cell in issue.message_nl


@PROPERTY_SETTINGS
@given(
    sheet=st.integers(0, 40),
    row=FAR_ROWS,
    column=FAR_COLUMNS,
    keep_dimension=st.booleans(),
)
def test_a_value_anywhere_gets_a_handled_answer_within_the_limits(
    engine: Engine,
    small_limits: None,
    fuzz_target: tuple,
    table_snapshot,
    sheet: int,
    row: int,
    column: int,
    keep_dimension: bool,
) -> None:
    _, client, valid = fuzz_target
    data = with_far_value(valid, sheet, row, column, keep_dimension)
    assert_bounded(data, "ver.xlsx")
    check(engine, client, "ver.xlsx", data, table_snapshot)
    limits = get_settings()
    if row > limits.max_rows_per_sheet or column >= limits.max_columns_per_sheet:
        result = read_workbook(data, "ver.xlsx", limits)
        assert [issue.code for issue in result.issues] in (["sheet_too_large"], ["too_many_rows"])


@PROPERTY_SETTINGS
@given(data=st.one_of(st.binary(max_size=4096), st.binary(max_size=2048).map(lambda tail: b"PK\x03\x04" + tail)))
def test_any_bytes_get_a_handled_answer_within_the_limits(
    engine: Engine,
    small_limits: None,
    fuzz_target: tuple,
    table_snapshot,
    data: bytes,
) -> None:
    _, client, _ = fuzz_target
    assert_bounded(data, "ruis.xlsx")
    check(engine, client, "ruis.xlsx", data, table_snapshot)
