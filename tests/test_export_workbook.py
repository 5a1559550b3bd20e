"""The export's workbook, written as XML text (`etl.templates.xlsx`), equals cell for cell the workbook openpyxl wrote
before (issue 13): the openpyxl writer is kept here as the reference, and both files are read back with openpyxl
and compared: sheets and their order, every cell's value and type, number format, font, fill and alignment, column
widths, the frozen header and the filter range."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from dashboard.exports import xlsx
from dashboard.exports.bundle import collect
from dashboard.exports.content import ExportContent, ExportRequest
from etl.templates.xlsx import Sheet, excel_serial, workbook_bytes

ROUND = "2011"


# --- the reference: the openpyxl writer as it was before issue 13 ---------------------------------------------


def _style_header(sheet: Worksheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _fit_columns(sheet: Worksheet) -> None:
    for index, column in enumerate(sheet.iter_cols(max_row=xlsx.WIDTH_SAMPLE_ROWS), start=1):
        longest = max((len(str(cell.value)) for cell in column if cell.value is not None), default=0)
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(longest + 2, xlsx.MIN_COLUMN_WIDTH), xlsx.MAX_COLUMN_WIDTH
        )


def _write_row(sheet: Worksheet, row: int, values: list[Any], units: list[str]) -> None:
    for column, (value, unit) in enumerate(zip(values, units, strict=True), start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if unit in xlsx.NUMBER_FORMATS and value is not None:
            cell.number_format = xlsx.NUMBER_FORMATS[unit]


def reference_workbook(content: ExportContent, path: Path) -> Path:
    """The export's workbook as openpyxl wrote it (the code of `write_workbook` before the XML writer)."""
    lang = content.request.lang
    document = content.report.to_dict()
    book = Workbook()
    book.remove(book.active)
    described: list[list[Any]] = []
    about, national = (xlsx._pick(names, lang) for names, _ in xlsx.KEY_VALUE_SHEETS.values())
    national_rows = [
        (xlsx._pick(label, lang), unit, xlsx.lookup(document, p), p) for p, (unit, label) in xlsx.NATIONAL_ROWS.items()
    ]
    key_value = [
        (about, xlsx._about_rows(content, document, lang), xlsx._t("source.about", lang)),
        (national, national_rows, "raak report --json"),
    ]
    for name, rows, source in key_value:
        sheet = book.create_sheet(name)
        sheet.append([xlsx._t(key, lang) for key in xlsx.KEY_VALUE_FIELDS])
        for row, (label, unit, value, field) in enumerate(rows, start=2):
            values = [xlsx.neutralise(label), xlsx.cell_value(value, unit), xlsx.UNITS[unit][lang][1], field]
            _write_row(sheet, row, values, ["text", unit, "", ""])
        _style_header(sheet)
        _fit_columns(sheet)
        described += [
            [name, xlsx._t(f, lang), f, "", xlsx._t(f"kv.{f}", lang), source, ""] for f in xlsx.KEY_VALUE_FIELDS
        ]
    for table in xlsx.SHEETS:
        if not (content.national or not table.national_only):
            continue
        name = xlsx._pick(table.names, lang)
        sheet = book.create_sheet(name)
        units = [xlsx.COLUMNS[f][0] for f in table.columns]
        sheet.append([xlsx.header(f, lang) for f in table.columns])
        for row, record in enumerate(table.rows(content), start=2):
            values = [xlsx.cell_value(record.get(f), u) for f, u in zip(table.columns, units, strict=True)]
            _write_row(sheet, row, values, units)
        _style_header(sheet)
        _fit_columns(sheet)
        charts = ", ".join(f"{xlsx.safe_name(content.request.round_label)}_{chart}" for chart in table.charts)
        described += [
            [
                name,
                xlsx.header(f, lang),
                f,
                xlsx.UNITS[xlsx.COLUMNS[f][0]][lang][1],
                xlsx._pick(xlsx.COLUMNS[f][2], lang),
                table.source,
                charts,
            ]
            for f in table.columns
        ]
    name = xlsx._pick(xlsx.COLUMNS_SHEET, lang)
    own = [
        [name, xlsx._t(k, lang), k, "", xlsx._t(f"columns.{k}", lang), xlsx._t("source.about", lang), ""]
        for k in xlsx.COLUMNS_FIELDS
    ]
    sheet = book.create_sheet(name)
    sheet.append([xlsx._t(key, lang) for key in xlsx.COLUMNS_FIELDS])
    for line in [*described, *own]:
        sheet.append([xlsx.neutralise(value) for value in line])
    _style_header(sheet)
    _fit_columns(sheet)
    book.save(path)
    return path


# --- the comparison -------------------------------------------------------------------------------------------


def _cell(cell: Any) -> tuple[Any, ...]:
    """What a reader sees of a cell: value (and its type), number format, bold, fill, alignment."""
    value = cell.value
    fill = cell.fill
    return (
        value,
        type(value).__name__,
        cell.number_format,
        bool(cell.font.b),
        fill.fill_type,
        fill.fgColor.rgb if fill.fill_type else None,
        bool(cell.alignment.wrap_text),
        cell.alignment.vertical,
    )


STYLED_ROWS = 300  # rows at the top and at the bottom of a sheet whose styles are compared cell by cell


def _values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values and their types, read the quick way (openpyxl's read-only mode), without the
    empty cells and rows at the end (openpyxl's width sampling left 200 empty rows in its sheets)."""
    book = openpyxl.load_workbook(path, read_only=True)
    sheets: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for name in book.sheetnames:
            rows = [list(row) for row in book[name].iter_rows(values_only=True)]
            for row in rows:
                while row and row[-1] is None:
                    row.pop()
            while rows and not rows[-1]:
                rows.pop()
            sheets[name] = [tuple((value, type(value).__name__) for value in row) for row in rows]
    finally:
        book.close()
    return sheets


def differences(expected_path: Path, actual_path: Path) -> list[str]:
    """Every difference a reader of the two workbooks could see, as text (empty when they are the same): every
    cell's value and type; number format, font, fill and alignment of the first and last STYLED_ROWS rows of each
    sheet (every row is written by the same code, and reading the styles of 190,000 cells takes minutes)."""
    old_values, new_values = _values(expected_path), _values(actual_path)
    if list(old_values) != list(new_values):
        return [f"sheets {list(old_values)} != {list(new_values)}"]
    found = [f"{name}: values differ" for name in old_values if old_values[name] != new_values[name]]
    expected, actual = openpyxl.load_workbook(expected_path), openpyxl.load_workbook(actual_path)
    for name in expected.sheetnames:
        old, new = expected[name], actual[name]
        if (old.freeze_panes, old.auto_filter.ref) != (new.freeze_panes, new.auto_filter.ref):
            found.append(
                f"{name}: frozen {old.freeze_panes}/{new.freeze_panes}, "
                f"filter {old.auto_filter.ref}/{new.auto_filter.ref}"
            )
        for letter in set(old.column_dimensions) | set(new.column_dimensions):
            widths = (old.column_dimensions[letter].width, new.column_dimensions[letter].width)
            if widths[0] != widths[1]:
                found.append(f"{name}!{letter}: width {widths[0]} != {widths[1]}")
        last = max(old.max_row, new.max_row)
        rows = sorted({*range(1, min(last, STYLED_ROWS) + 1), *range(max(1, last - STYLED_ROWS + 1), last + 1)})
        for row in rows:
            for column in range(1, max(old.max_column, new.max_column) + 1):
                before, after = _cell(old.cell(row, column)), _cell(new.cell(row, column))
                if before != after:
                    found.append(f"{name}!{get_column_letter(column)}{row}: {before} != {after}")
    return found


@pytest.fixture(scope="module")
def national(demo_engine: Engine) -> ExportContent:
    return collect(demo_engine, ExportRequest(ROUND, formats=("xlsx",)))


def test_national_workbook_equals_the_openpyxl_one_cell_for_cell(national: ExportContent, tmp_path: Path) -> None:
    expected = reference_workbook(national, tmp_path / "openpyxl.xlsx")
    actual = xlsx.write_workbook(national, tmp_path / "xml.xlsx")
    assert differences(expected, actual) == []
    book = openpyxl.load_workbook(actual)
    statuses = book[xlsx._pick(xlsx.SHEETS[-1].names, "nl")]
    assert statuses.max_row > 10_000  # the comparison covered the big sheet, not an empty one
    trajectory = book[xlsx._pick(xlsx.SHEETS[0].names, "nl")]  # columns: series, date, value (a share)
    assert {c.number_format for c in trajectory["B"][1:]} == {"yyyy-mm-dd"}
    assert {c.number_format for c in trajectory["C"][1:]} == {"0.0%"}


@pytest.fixture(scope="module")
def region_in_english(demo_engine: Engine) -> ExportContent:
    return collect(demo_engine, ExportRequest(ROUND, "GG3406", "en", formats=("xlsx",)))


def test_region_workbook_in_english_equals_the_openpyxl_one(region_in_english: ExportContent, tmp_path: Path) -> None:
    expected = reference_workbook(region_in_english, tmp_path / "openpyxl.xlsx")
    assert differences(expected, xlsx.write_workbook(region_in_english, tmp_path / "xml.xlsx")) == []


def test_the_comparison_sees_a_changed_value_format_and_width(region_in_english: ExportContent, tmp_path: Path) -> None:
    expected = reference_workbook(region_in_english, tmp_path / "openpyxl.xlsx")  # the small workbook: quicker
    book = openpyxl.load_workbook(expected)
    sheet = book[xlsx._pick(xlsx.SHEETS[2].names, "en")]  # regions: code, name, expected, returned, ...
    sheet["C2"].value = sheet["C2"].value + 1e-12
    sheet["D2"].number_format = "0.00%"
    sheet.column_dimensions["A"].width = 99
    book.save(tmp_path / "changed.xlsx")
    found = differences(expected, tmp_path / "changed.xlsx")
    assert f"{sheet.title}: values differ" in found  # the changed value, seen in the quick read of every cell
    assert len(found) == 4 and all(text.startswith(sheet.title) for text in found)  # + width, C2, D2


def test_dates_times_and_text_read_back_as_written(tmp_path: Path) -> None:
    sheet = Sheet("s", protected=False, stylesheet=xlsx.STYLESHEET, auto_filter=True)
    values: list[Any] = [date(2011, 1, 1), datetime(2011, 4, 5, 13, 45), 0.1 + 0.2, 7, True, " padded ", "a<b&c"]
    styles = ["yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.0%", "0", "default", "default", "default"]
    for column, (value, style) in enumerate(zip(values, styles, strict=True), start=1):
        sheet.set(1, column, value, style)
    (tmp_path / "s.xlsx").write_bytes(workbook_bytes([sheet]))
    read = [cell.value for cell in openpyxl.load_workbook(tmp_path / "s.xlsx")["s"][1]]
    assert read == [
        datetime(2011, 1, 1),
        datetime(2011, 4, 5, 13, 45),
        float("%.16g" % (0.1 + 0.2)),
        7,
        True,
        " padded ",
        "a<b&c",
    ]
    assert excel_serial(date(2011, 1, 1)) == 40544


def test_text_with_a_control_character_is_refused_with_its_cell() -> None:
    with pytest.raises(ValueError, match=r"sheet 'x', row 1, column 2"):
        xlsx._cell("a\x01b", "x", 1, 2)
