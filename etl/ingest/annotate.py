"""An annotated copy of a rejected workbook: each offending cell red (warnings orange) with a Dutch cell comment,
and a first sheet `Fouten` listing every finding, so the coordinator fixes the file in Excel and uploads again.

.xlsx/.xlsm are annotated in place with openpyxl (macros are dropped: the copy is a plain .xlsx); for .xls and
.ods the grid that was read is written to a new .xlsx with the same sheet names and values.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from collections.abc import Sequence

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

from etl.i18n import t
from etl.store.issues import Issue
from etl.workbook.layout import fit_to_page_width, sheet_names
from etl.workbook.read import Workbook, parse_cell_ref

ISSUES_SHEET = "Fouten"
AUTHOR = "RAAK-monitor"
FILLS = {
    "error": PatternFill("solid", fgColor="FF9999"),
    "warning": PatternFill("solid", fgColor="FFD699"),
}
COMMENT_WIDTH, COMMENT_LINE_HEIGHT = 320, 18
_log = logging.getLogger(__name__)


def _severity_nl(severity: str) -> str:
    """The severity as the annotated copy's Dutch reader sees it: "Fout" or "Waarschuwing"."""
    return t(f"severity.{severity}", "nl").capitalize()


def _clean(text: str | None) -> str | None:
    """Text without the control characters a worksheet cannot hold (they may come from the file or its name)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text) if text else text


def _from_grid(workbook: Workbook) -> tuple[OpenpyxlWorkbook, dict[str, str]]:
    """A new workbook holding the values read; returns it and original → new sheet names."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    names = [sheet.name for sheet in workbook.sheets]
    renamed = dict(zip(names, sheet_names(names, reserved=()), strict=True))
    for sheet in workbook.sheets:
        ws = book.create_sheet(renamed[sheet.name])
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = ws.cell(r, c)
                if isinstance(value, str):
                    cell.value = _clean(value)
                    cell.data_type = "s"  # text that starts with '=' stays text
                else:
                    cell.value = value
    return book, renamed


def _open(workbook: Workbook) -> tuple[OpenpyxlWorkbook, dict[str, str]]:
    if workbook.kind in ("xlsx", "xlsm"):
        try:
            book = openpyxl.load_workbook(io.BytesIO(workbook.data))
            return book, {name: name for name in book.sheetnames}
        except Exception as exc:  # calamine read it but openpyxl cannot: fall back to the grid
            _log.info("annotate: openpyxl cannot open %s (%s); rebuilding from the grid", workbook.file, exc)
    return _from_grid(workbook)


def _issues_sheet(book: OpenpyxlWorkbook, issues: Sequence[Issue], file: str) -> None:
    title = ISSUES_SHEET
    while title in book.sheetnames:
        title = f"{title}_"
    ws = book.create_sheet(title, 0)
    ws["A1"] = _clean(f"Fouten en waarschuwingen in {file}")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = "Herstel de rood gemarkeerde cellen (zie de opmerking bij elke cel) en upload het bestand opnieuw."
    headers = ("Ernst", "Code", "Werkblad", "Cel", "Melding", "Message (English)")
    for column, header in enumerate(headers, start=1):
        ws.cell(4, column, header).font = Font(bold=True)
    for row, issue in enumerate(issues, start=5):
        values = (_severity_nl(issue.severity), issue.code, issue.sheet, issue.cell, issue.message_nl, issue.message_en)
        for column, value in enumerate(values, start=1):
            if value:
                cell = ws.cell(row, column)
                cell.value = _clean(value)
                cell.data_type = "s"  # a message starting with '=' is text, not a formula
        ws.cell(row, 1).fill = FILLS[issue.severity]
    for letter, width in zip("ABCDEF", (14, 28, 28, 8, 90, 90), strict=True):
        ws.column_dimensions[letter].width = width
    fit_to_page_width(ws)
    book.active = 0
    for sheet in book.worksheets[1:]:
        sheet.sheet_view.tabSelected = False


def annotate(workbook: Workbook, issues: Sequence[Issue]) -> bytes:
    """The annotated .xlsx copy of `workbook` with `issues` marked."""
    book, names = _open(workbook)
    by_cell: dict[tuple[str, str], list[Issue]] = defaultdict(list)
    for issue in issues:
        if issue.sheet in names and issue.cell:
            by_cell[(names[issue.sheet], issue.cell)].append(issue)
    for (sheet, ref), found in by_cell.items():
        try:
            parse_cell_ref(ref)
        except ValueError:
            continue
        cell = book[sheet][ref]
        if isinstance(cell, MergedCell):  # inside a merged range: only its first cell can carry a comment
            continue
        cell.fill = FILLS["error" if any(i.severity == "error" for i in found) else "warning"]
        text = "\n".join(f"{_severity_nl(i.severity)} ({i.code}): {i.message_nl}" for i in found)
        comment = Comment(_clean(text), AUTHOR)
        comment.width = COMMENT_WIDTH
        comment.height = COMMENT_LINE_HEIGHT * (2 + len(text) // 45)
        cell.comment = comment
    _issues_sheet(book, issues, workbook.file)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
