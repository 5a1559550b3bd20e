"""Bound the real extent of every sheet before a reader builds a dense grid of it.

python-calamine turns a sheet into a dense range from its first to its last value (and `etl.workbook.read` pads it to
A1), so one value far away (`XFD1048576`) costs hundreds of GB, whatever the declared `<dimension>` says. This module
streams the cell data first — the sheet parts of an .xlsx, `content.xml` of an .ods, the BIFF records of an .xls —
tracks the last row and column that hold a value on each sheet and stops at the first value past the limits.
Positions follow the reader's rules: cells and rows without an address follow the previous one, repeated empty
cells and rows only move the position (LibreOffice ends every sheet with them), repeated values count in full.
"""

from __future__ import annotations

import functools
import itertools
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Literal
from xml.etree import ElementTree
from xml.parsers import expat

import olefile

Limit = Literal["rows", "columns", "cells"]
XML_CHUNK_BYTES = 64 * 1024
CONTENT_XML = "content.xml"
ODS_CELL_TAGS = frozenset({"table-cell", "covered-table-cell"})

# BIFF (.xls) record types.
BIFF_BOF = 0x0809
BIFF_EOF = 0x000A
BIFF_BOUNDSHEET = 0x0085
BIFF_FILEPASS = 0x002F
BIFF_DIMENSIONS = 0x0200
BIFF_MULRK = 0x00BD
# Records the reader turns into a value at (row, column), their first four bytes: NUMBER, LABEL, BOOLERR, RK,
# LABELSST and FORMULA. BLANK/MULBLANK are only formatting: the reader skips them.
BIFF_VALUE_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})
BIFF_HEADER = struct.Struct("<HH")
BIFF_U16 = struct.Struct("<H")
BIFF_U32 = struct.Struct("<I")
BIFF_CELL = struct.Struct("<HH")
BIFF_DIMENSIONS_LAYOUTS = {14: struct.Struct("<IIHH"), 10: struct.Struct("<HHHH")}  # BIFF8, BIFF5 (by length)
BIFF8_VERSION = 0x0600
MAX_REF_LETTERS = 7  # beyond any sheet (Excel stops at XFD, 3 letters); longer is not an address
MAX_REF_DIGITS = 10
MAX_XLSX_LETTERS = 3  # the quick count accepts `A` to `ZZZ`
MAX_REPEAT = 10**9  # a `number-…-repeated` above this is clamped: it is past every limit either way
ADDRESS_CHARS = 32  # what the cell column holds


@dataclass(frozen=True)
class Limits:
    """Rows and columns per sheet, value-bearing area (rows × columns from A1) per file."""

    rows: int
    columns: int
    cells: int


@dataclass(frozen=True)
class Breach:
    """The first value past a limit: its sheet, zero-based position, which limit and the count it reaches."""

    sheet: str
    row: int
    column: int
    limit: Limit
    count: int


class SheetTooLarge(Exception):
    """Raised by the meter at the first value past a limit; carries the :class:`Breach`."""

    def __init__(self, breach: Breach) -> None:
        super().__init__(breach)
        self.breach = breach


class ExtentMeter:
    """The running extent of one workbook: the sheet being scanned and the area of the sheets before it."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.sheet = ""
        self.rows = 0
        self.columns = 0
        self.earlier_cells = 0

    def start(self, sheet: str) -> None:
        """Begin a sheet; the area of the previous one counts towards the file's total."""
        self.earlier_cells += self.rows * self.columns
        self.sheet, self.rows, self.columns = sheet, 0, 0

    def fits(self, rows: int, columns: int) -> bool:
        """Whether the current sheet may span `rows` × `columns` from A1."""
        return (
            rows <= self.limits.rows
            and columns <= self.limits.columns
            and self.earlier_cells + rows * columns <= self.limits.cells
        )

    def value(self, row: int, column: int) -> None:
        """A value at zero-based (row, column): grow the extent, or raise SheetTooLarge past a limit."""
        if row < self.rows and column < self.columns:
            return
        rows, columns = max(self.rows, row + 1), max(self.columns, column + 1)
        if rows > self.limits.rows:
            raise SheetTooLarge(Breach(self.sheet, row, column, "rows", rows))
        if columns > self.limits.columns:
            raise SheetTooLarge(Breach(self.sheet, row, column, "columns", columns))
        cells = self.earlier_cells + rows * columns
        if cells > self.limits.cells:
            raise SheetTooLarge(Breach(self.sheet, row, column, "cells", cells))
        self.rows, self.columns = rows, columns


def column_index(letters: str) -> int:
    """Zero-based column of `A`, `Z`, `AA`, … (case-insensitive); ValueError for anything else."""
    if len(letters) > MAX_REF_LETTERS:
        raise ValueError(f"not a column: {letters[:20]!r}")
    column = 0
    for letter in letters.upper():
        if not "A" <= letter <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        column = column * 26 + ord(letter) - 64
    if column == 0:
        raise ValueError("empty column")
    return column - 1


def split_ref(ref: str) -> tuple[int, int]:
    """Zero-based (row, column) of an address like `XFD5000`; ValueError when it is not one."""
    digits = len(ref) - len(ref.rstrip("0123456789"))
    return row_index(ref[-digits:] if digits else ""), column_index(ref[:-digits] if digits else ref)


def row_index(digits: str) -> int:
    """Zero-based row of a row number `1`, `2`, … in ASCII digits; ValueError for anything else (`0`, `-1`)."""
    if not (0 < len(digits) <= MAX_REF_DIGITS and digits.isascii() and digits.isdigit()) or int(digits) < 1:
        raise ValueError(f"not a row number: {digits[:20]!r}")
    return int(digits) - 1


def address(row: int, column: int) -> str:
    """Spreadsheet address of a zero-based (row, column), for any size: (4999, 16383) → XFD5000."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    text = f"{letters}{row + 1}"
    return text if len(text) <= ADDRESS_CHARS else text[: ADDRESS_CHARS - 1] + "…"


QUICK_SCAN_BYTES = 4 * 1024 * 1024  # sheet parts up to this size are counted whole; larger ones only streamed
# A whole `<c>` start tag: `r` first, then attributes named by one or two lower-case letters but never `r`.
_PLAIN_CELL_TAG = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: [a-qs-z][a-z]?="[^"<]*")* ?/?>')
_ANY_CELL_TAG = re.compile(rb"<c[\s/>]")
# Either of the two above in one pass: a usual tag with its address, or any other `<c` start tag (empty groups).
_CELL_TAG = re.compile(_PLAIN_CELL_TAG.pattern + b"|" + _ANY_CELL_TAG.pattern)
_OTHER_CELL_TAG = (b"", b"")  # what `_CELL_TAG.findall` gives for a start tag written otherwise
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")  # `<x:c …>`, or text that looks like it: left to the streaming scan
_TAG_NAME_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")
# A prefixed `<x:c>`, or an `r` attribute written other than ` r="`: left to the streaming scan.
_UNUSUAL_MARKUP = re.compile(rb"<[^\s/>]*:c[\s/>]|[\t\n\r]r\s*=|\sr\s+=| r='")
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")  # the common case; anything else goes through split_ref


@functools.cache
def _column(letters: str) -> int:
    return column_index(letters)


def _local(name: str) -> str:
    return name[name.find(":") + 1 :]


def _no_doctype(*_: object) -> None:
    raise ValueError("a document type declaration, which no workbook part has")


def _feed(parser: expat.XMLParserType, stream: IO[bytes]) -> None:
    """Parse a zip member in chunks, so a large part is never held whole; a DTD (entity expansion) is refused."""
    parser.StartDoctypeDeclHandler = _no_doctype
    while chunk := stream.read(XML_CHUNK_BYTES):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


# --- .xlsx / .xlsm --------------------------------------------------------------------------------------------


def _scan_xlsx_sheet(meter: ExtentMeter, stream: IO[bytes]) -> None:
    """Every `<c>` holding a `<v>` or `<is>`, at its `r` or after the previous cell / row (as the reader places it).

    Tuned: this runs on every element of every sheet of every upload (see benchmarks/ingest.py)."""
    row, column = -1, -1
    pending = False  # a `<c>` was opened and its value not yet counted
    rows, columns = meter.rows, meter.columns  # a value inside these needs no meter call

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, column, pending, rows, columns
        if ":" in name:
            name = _local(name)
        if name == "c":
            ref = attributes.get("r")
            if ref:
                match = _CELL_REF.fullmatch(ref)
                if match is None:
                    row, column = split_ref(ref)  # raises ValueError for what is not an address
                else:
                    row, column = int(match[2]) - 1, _column(match[1])
                    if row < 0:
                        raise ValueError(f"not a cell address: {ref!r}")
            else:
                column += 1
            pending = True
        elif pending and (name == "v" or name == "is"):
            pending = False
            if row >= rows or column >= columns:
                meter.value(row, column)
                rows, columns = meter.rows, meter.columns
        elif name == "row":
            ref = attributes.get("r")
            row = row_index(ref) if ref else row + 1
            column = -1
            pending = False

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    _feed(parser, stream)


def xlsx_sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part) for every sheet the workbook lists (namespace-agnostic; the target as written and
    normalised), then every other part under a `worksheets/` folder, named by its path: no sheet part a reader
    might resolve differently goes unscanned."""
    names = set(archive.namelist())
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        rels = ElementTree.Element("none")
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter() if rel.tag.rsplit("}", 1)[-1] == "Relationship"
    }
    listed: list[tuple[str, str]] = []
    for sheet in workbook.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel_id = next((value for key, value in sheet.attrib.items() if key.rsplit("}", 1)[-1] == "id"), None)
        target = targets.get(rel_id, "")
        if target:
            literal = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            for part in dict.fromkeys((literal, posixpath.normpath(literal))):
                if part in names:
                    listed.append((sheet.get("name", part), part))
    seen = {part for _, part in listed}
    others = sorted(name for name in names if "worksheets/" in name.lower() and name not in seen)
    return listed + [(part, part) for part in others]


def _quick_xlsx_extent(xml: bytes) -> tuple[int, int] | None:
    """(rows, columns) from A1 covering every `<c>` of a sheet, when each start tag is written the usual way
    (`<c r="B7" s="3" t="s">`: `r` first, then short attribute names such as Excel, LibreOffice and openpyxl
    write, single spaces, double quotes); None when any `<c>` is written otherwise, so the streaming scan decides.

    Sound for the limits: every `<c` start tag must be one of the counted ones, so a second `r` (the reader takes
    the last), an `x:c` prefix, other spacing or a cell without address is never missed; empty cells count too,
    an over-estimate. Regular expressions, not a parser, because this runs on every sheet of every upload: one
    pass finds both kinds of tag (no tag holds a `<`, so each `<c` starts a match in either pattern alike)."""
    refs = _CELL_TAG.findall(xml)
    if _OTHER_CELL_TAG in refs or _PREFIXED_CELL_TAG.search(xml):
        return None
    if not refs:
        return 0, 0
    letters, rows = zip(*refs, strict=True)
    last_letters = max(map(bytes.rjust, letters, itertools.repeat(MAX_XLSX_LETTERS)))  # b"  Z" < b" AA"
    return max(map(int, rows)), column_index(last_letters.strip().decode()) + 1


def scan_xlsx(
    archive: zipfile.ZipFile,
    limits: Limits,
    inspect: Callable[[str, bytes], None] | None = None,
    kept: Mapping[str, bytes] | None = None,
) -> None:
    """Raise SheetTooLarge at the first value past the limits on any sheet of an .xlsx/.xlsm.

    The quick count settles a usual sheet within the limits; any other sheet is streamed element by element,
    which also finds the exact cell to name. `inspect(part, xml)` is given every sheet part read whole here (all
    but the largest), so a caller that needs more from the XML does not decompress it again. `kept`: parts the
    caller read whole already (the same bytes `archive.read` gives), by part name."""
    meter = ExtentMeter(limits)
    kept = kept or {}
    for name, part in xlsx_sheet_parts(archive):
        meter.start(name)
        quick = None
        if archive.getinfo(part).file_size <= QUICK_SCAN_BYTES:
            xml = kept[part] if part in kept else archive.read(part)
            quick = _quick_xlsx_extent(xml)
            if inspect is not None:
                inspect(part, xml)
        if quick is not None and meter.fits(*quick):
            meter.rows, meter.columns = quick
        else:
            with archive.open(part) as stream:
                _scan_xlsx_sheet(meter, stream)


# --- .ods -----------------------------------------------------------------------------------------------------


def _repeat(attributes: dict[str, str], key: str) -> int:
    """A `number-…-repeated` attribute (any prefix), at least 1."""
    value = attributes.get(f"table:{key}")
    if value is None:
        value = next((v for k, v in attributes.items() if _local(k) == key), "1")
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"not a repeat count: {value[:20]!r}")
    digits = value.lstrip("0") or "0"
    return MAX_REPEAT if len(digits) > MAX_REF_DIGITS else min(MAX_REPEAT, max(1, int(digits)))


def scan_ods(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Raise SheetTooLarge at the first value past the limits in an .ods; repeated empty cells only move on."""
    meter = ExtentMeter(limits)
    state = {"depth": 0, "in_row": 0, "in_cell": 0, "row": 0, "rows": 1, "column": 0, "columns": 1}
    pending: list[tuple[int, int]] = []  # far corner of the open cell, until it shows it holds a value

    def start(name: str, attributes: dict[str, str]) -> None:
        tag = _local(name)
        if pending:  # any content inside a cell (text, annotation) is a value to the extent
            meter.value(*pending.pop())
        if tag in ODS_CELL_TAGS:
            if state["in_cell"]:
                raise ValueError("a cell inside a cell")
            state["in_cell"] = 1
            state["columns"] = _repeat(attributes, "number-columns-repeated")
            corner = (state["row"] + state["rows"] - 1, state["column"] + state["columns"] - 1)
            if any(_local(key) == "value-type" for key in attributes):
                meter.value(*corner)
            else:
                pending[:] = [corner]
        elif tag == "table-row":
            if state["in_row"]:  # nesting would let an inner row hide the outer one's repeat count
                raise ValueError("a row inside a row")
            state["in_row"] = 1
            state["rows"] = _repeat(attributes, "number-rows-repeated")
            state["column"] = 0
        elif tag == "table":
            if state["depth"]:
                raise ValueError("a table inside a table")
            state.update(depth=1, row=0, rows=1, column=0, columns=1)
            meter.start(attributes.get("table:name", f"#{meter.earlier_cells}"))

    def end(name: str) -> None:
        tag = _local(name)
        if tag in ODS_CELL_TAGS:
            pending.clear()
            state["column"] += state["columns"]
            state["in_cell"] = 0
        elif tag == "table-row":
            state["row"] += state["rows"]
            state["in_row"] = 0
        elif tag == "table":
            state["depth"] = 0

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    with archive.open(CONTENT_XML) as stream:
        _feed(parser, stream)


# --- .xls -----------------------------------------------------------------------------------------------------


def _biff_records(data: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(body offset, type, length) of the BIFF records from `start` up to the first EOF or a truncated record."""
    offset, size = start, len(data)
    while offset + 4 <= size:
        kind, length = BIFF_HEADER.unpack_from(data, offset)
        if kind == BIFF_EOF or offset + 4 + length > size:
            return
        yield offset + 4, kind, length
        offset += 4 + length


def _boundsheet_name(body: bytes, biff8: bool) -> str:
    """The sheet name in a BOUNDSHEET record body (after the 4-byte offset and 2-byte flags)."""
    if len(body) < 7:
        return ""
    count = body[6]
    if not biff8:
        return body[7 : 7 + count].decode("latin-1")
    wide = len(body) > 7 and body[7] & 1
    text = body[8 : 8 + count * (2 if wide else 1)]
    return text.decode("utf-16-le" if wide else "latin-1", errors="replace").replace("\x00", "")


def workbook_stream(data: bytes) -> bytes:
    """The BIFF stream (`Workbook`, or `Book` in BIFF5) of an .xls file."""
    with olefile.OleFileIO(data) as ole:
        return ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()


def _xls_sheets(stream: bytes) -> list[tuple[int, str]] | None:
    """(stream offset, name) of the sheets the globals list, as the reader finds them; None when encrypted."""
    sheets: list[tuple[int, str]] = []
    biff8 = True
    for body, kind, length in _biff_records(stream, 0):
        if kind == BIFF_BOF and length >= 2:
            biff8 = BIFF_U16.unpack_from(stream, body)[0] in (BIFF8_VERSION, 0)
        elif kind == BIFF_FILEPASS and length >= 2 and BIFF_U16.unpack_from(stream, body)[0] != 0:
            return None
        elif kind == BIFF_BOUNDSHEET and length >= 6:
            offset = BIFF_U32.unpack_from(stream, body)[0]
            sheets.append((offset, _boundsheet_name(stream[body : body + length], biff8)))
    return sheets


def scan_xls(stream: bytes, limits: Limits) -> bool:
    """Raise SheetTooLarge at the first value, or declared DIMENSIONS, past the limits in a BIFF stream; False when
    it is encrypted (FILEPASS). Each sheet is read from its BOUNDSHEET offset to its EOF, as the reader does, so
    records hidden from a front-to-back walk count too; sheets that overlap are refused (ValueError)."""
    sheets = _xls_sheets(stream)
    if sheets is None:
        return False
    meter = ExtentMeter(limits)
    scanned = 0
    for start, name in sheets:
        meter.start(name)
        for body, kind, length in _biff_records(stream, start):
            scanned += 4 + length
            if scanned > len(stream):
                raise ValueError("sheets overlap in the BIFF stream")
            if kind in BIFF_VALUE_CELLS and length >= 4:
                meter.value(*BIFF_CELL.unpack_from(stream, body))
            elif kind == BIFF_MULRK and length >= 6:
                row, first = BIFF_CELL.unpack_from(stream, body)
                meter.value(row, max(first, BIFF_U16.unpack_from(stream, body + length - 2)[0]))
            elif kind == BIFF_DIMENSIONS and length in BIFF_DIMENSIONS_LAYOUTS:
                _check_dimensions(meter, *BIFF_DIMENSIONS_LAYOUTS[length].unpack_from(stream, body))
    return True


def _check_dimensions(meter: ExtentMeter, first_row: int, end_row: int, first_column: int, end_column: int) -> None:
    """The reader reserves room for the declared DIMENSIONS before any value: bound them as well."""
    if end_row < 1 or end_column < 1:
        return
    if first_row >= end_row or first_column >= end_column:
        raise ValueError("DIMENSIONS record ends before it starts")
    if end_row > meter.limits.rows or end_column > meter.limits.columns:
        limit: Limit = "rows" if end_row > meter.limits.rows else "columns"
        raise SheetTooLarge(
            Breach(meter.sheet, end_row - 1, end_column - 1, limit, end_row if limit == "rows" else end_column)
        )
