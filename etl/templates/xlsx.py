"""A small xlsx writer for the templates: sheets of typed cells in a handful of fixed styles, written as XML text.

openpyxl hashes every style object of every cell and serialises through an element tree; a region's template
(20-odd sheets of 35 points) took ~0.25 s to write that way and ~0.3 s more to fill (load + save), which made
`raak demo` (118 workbooks) spend most of its time writing workbooks. This writer builds the same parts that
openpyxl wrote (content types, workbook, styles, one worksheet per sheet with widths, heights, frozen header,
protection, the Status dropdown, print setup) as strings, about 30× faster. Only what the templates use is
supported: strings (inline), numbers, booleans, dates and blanks, in the styles of :data:`STYLES`.

The steering-group export's workbook (`dashboard.exports.xlsx`) uses the same writer with its own
:class:`Stylesheet` (number formats, a header style) and an autofilter over each table.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from xml.sax.saxutils import escape, quoteattr

Value = str | int | float | bool | date | datetime | None

# name → index into cellXfs of STYLES_XML; "input" is the only unlocked style (the Status and Toelichting cells)
STYLES = {"default": 0, "title": 1, "label": 2, "left": 3, "header": 4, "wrap": 5, "input": 6, "warning": 7}

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
COMPRESS_LEVEL = 1  # zlib's fastest: half the time of the default for files ~13 % larger
HIDDEN = ' state="hidden"'
_WRAP = '<alignment vertical="top" wrapText="1"/>'
STYLES_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="4"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><sz val="14"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b val="1"/><color rgb="00C00000"/><sz val="12"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="4"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00D9E1F2"/></patternFill></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00FFF2CC"/></patternFill></fill></fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border>'
    + "".join(f'<{side} style="thin"><color rgb="00A6A6A6"/></{side}>' for side in ("left", "right", "top", "bottom"))
    + "<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="8">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment horizontal="left"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    f'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">{_WRAP}</xf>'
    '<xf numFmtId="0" fontId="0" fillId="3" borderId="1" xfId="0" applyFill="1" applyBorder="1" applyAlignment="1" '
    f'applyProtection="1">{_WRAP}<protection locked="0" hidden="0"/></xf>'
    '<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
EXCEL_EPOCH = datetime(1899, 12, 30)  # day 0 of Excel's 1900 date system (serials from 1900-03-01 on are exact)
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class Stylesheet:
    """A workbook's styles part and the cell styles it defines: name → index into its cellXfs."""

    xml: str
    index: Mapping[str, int]


TEMPLATE_STYLES = Stylesheet(STYLES_XML, STYLES)


def excel_serial(value: date | datetime) -> int | float:
    """A date as Excel's day number (a datetime with the time as a fraction of a day), as openpyxl writes it."""
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    day = (moment - EXCEL_EPOCH).days
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 10**6
    return day + seconds / SECONDS_PER_DAY if isinstance(value, datetime) else day


def column_letter(column: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class ListValidation:
    """A dropdown (`type="list"`) over `sqref` with the given entries and messages."""

    sqref: str
    choices: tuple[str, ...]
    error_title: str
    error: str
    prompt_title: str
    prompt: str


@dataclass
class Sheet:
    """One worksheet: cells by (row, column), 1-based, and the sheet's settings."""

    name: str
    hidden: bool = False
    protected: bool = True
    may_format_rows_and_columns: bool = False  # people may widen columns and rows while the sheet is protected
    fit_to_page_width: bool = False  # print landscape, as wide as one page
    frozen_rows: int = 0  # rows kept in view when scrolling (the table header)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    validations: list[ListValidation] = field(default_factory=list)
    cells: dict[int, dict[int, tuple[Value, str]]] = field(default_factory=dict)
    stylesheet: Stylesheet = TEMPLATE_STYLES
    auto_filter: bool = False  # a filter button on every column of the first row, over all rows

    def set(self, row: int, column: int, value: Value, style: str = "default") -> None:
        """Put `value` in a cell with one of the stylesheet's styles (a blank with a style is an empty, styled cell)."""
        if style not in self.stylesheet.index:
            raise ValueError(f"unknown style {style!r}")
        self.cells.setdefault(row, {})[column] = (value, style)

    def value(self, row: int, column: int) -> Value:
        return self.cells.get(row, {}).get(column, (None, ""))[0]

    def append(self, values: Iterable[Value]) -> None:
        row = max(self.cells, default=0) + 1
        for column, value in enumerate(values, start=1):
            self.set(row, column, value)

    def dimension(self) -> str:
        """The range from A1 to the last row and column with a cell: "A1:K14631"."""
        last_row = max(self.cells, default=1)
        last_column = max((max(row) for row in self.cells.values() if row), default=1)
        return f"A1:{column_letter(last_column)}{last_row}"

    def xml(self) -> str:
        parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">']
        if self.fit_to_page_width:
            parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        parts.append(f'<dimension ref="{self.dimension()}"/>')
        if self.frozen_rows:
            top = f"A{self.frozen_rows + 1}"
            parts.append(
                f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{self.frozen_rows}" topLeftCell="{top}" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A1" sqref="A1"/>'
                "</sheetView></sheetViews>"
            )
        else:
            parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        parts.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            parts.append("<cols>")
            parts.extend(
                f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in sorted(self.widths.items())
            )
            parts.append("</cols>")
        parts.append("<sheetData>")
        index = self.stylesheet.index
        letters = {column: column_letter(column) for row in self.cells.values() for column in row}
        for row in sorted(self.cells):
            height = self.heights.get(row)
            size = f' ht="{height:g}" customHeight="1"' if height else ""
            parts.append(f'<row r="{row}"{size}>')
            cells = self.cells[row]
            for column in sorted(cells):
                value, style = cells[column]
                parts.append(_cell(f"{letters[column]}{row}", value, index[style]))
            parts.append("</row>")
        parts.append("</sheetData>")
        if self.protected:
            may_format = "0" if self.may_format_rows_and_columns else "1"  # "1": the protection forbids it
            parts.append(
                f'<sheetProtection sheet="1" objects="0" scenarios="0" formatColumns="{may_format}" '
                f'formatRows="{may_format}" selectLockedCells="0" selectUnlockedCells="0"/>'
            )
        if self.auto_filter:
            parts.append(f'<autoFilter ref="{self.dimension()}"/>')
        if self.validations:
            parts.append(f'<dataValidations count="{len(self.validations)}">')
            for v in self.validations:
                formula = escape('"' + ",".join(v.choices) + '"')
                parts.append(
                    f'<dataValidation type="list" errorStyle="information" allowBlank="1" showInputMessage="1" '
                    f'showErrorMessage="1" errorTitle={quoteattr(v.error_title)} error={quoteattr(v.error)} '
                    f'promptTitle={quoteattr(v.prompt_title)} prompt={quoteattr(v.prompt)} sqref="{v.sqref}">'
                    f"<formula1>{formula}</formula1></dataValidation>"
                )
            parts.append("</dataValidations>")
        parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
        if self.fit_to_page_width:
            parts.append('<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
        parts.append("</worksheet>")
        return "".join(parts)


def _cell(ref: str, value: Value, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float):  # 16 significant digits, as openpyxl writes them (Excel shows 15)
        return f'<c r="{ref}"{s}><v>{value:.16g}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, date):  # a datetime is a date too
        serial = excel_serial(value)
        return (
            f'<c r="{ref}"{s}><v>{serial:.16g}</v></c>'
            if isinstance(serial, float)
            else f'<c r="{ref}"{s}><v>{serial}</v></c>'
        )
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def workbook_bytes(sheets: list[Sheet], *, created: datetime | None = None) -> bytes:
    """The .xlsx file of `sheets`, in order; the first visible sheet is the active one."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    stylesheet = sheets[0].stylesheet
    if any(sheet.stylesheet is not stylesheet for sheet in sheets):
        raise ValueError("the sheets of one workbook share one stylesheet")
    created = created or datetime.now(UTC)
    count = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>' for n in range(1, count + 1)
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>'
    )
    stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>RAAK Monitor</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'
    )
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
        'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>RAAK Monitor</Application></Properties>"
    )
    active = next((n for n, sheet in enumerate(sheets) if not sheet.hidden), 0)
    entries = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{n}"{HIDDEN if sheet.hidden else ""} r:id="rId{n}"/>'
        for n, sheet in enumerate(sheets, start=1)
    )
    filters = "".join(  # Excel keeps a filter's range as this hidden name of its sheet
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
        f"{escape(_absolute(sheet.name, sheet.dimension()))}</definedName>"
        for n, sheet in enumerate(sheets)
        if sheet.auto_filter
    )
    names = f"<definedNames>{filters}</definedNames>" if filters else ""
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        f'<bookViews><workbookView firstSheet="0" activeTab="{active}"/></bookViews>'
        f'<sheets>{entries}</sheets>{names}<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("docProps/core.xml", core)
        archive.writestr("docProps/app.xml", app)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/styles.xml", stylesheet.xml)
        for n, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet.xml())
    return out.getvalue()


def _absolute(sheet: str, ref: str) -> str:
    """`'Regio''s'!$A$1:$N$29`: a sheet's range as an absolute reference, the sheet name quoted."""
    start, end = ref.split(":")
    quoted = sheet.replace("'", "''")

    def fixed(cell: str) -> str:
        letters = cell.rstrip("0123456789")
        return f"${letters}${cell[len(letters) :]}"

    return f"'{quoted}'!{fixed(start)}:{fixed(end)}"
