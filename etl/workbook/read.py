"""Open a returned workbook safely and find its parts: municipality sheets, the points table and `_meta`.

The file type is decided by content (magic bytes), never by the extension; size, zip-bomb, sheet and row
limits are checked before any sheet is parsed. Cells are read with python-calamine (fast, never runs macros).
The layout rules implement `docs/return-format.md`; `etl.templates.template.fill_template` uses the same rules.
"""

from __future__ import annotations

import io
import pickle
import re
import resource
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Literal
from xml.etree import ElementTree
from xml.parsers import expat

import olefile
import python_calamine

from etl.i18n import LANGUAGES, t
from etl.store.config import Settings
from etl.store.issues import Issue, Severity
from etl.workbook import extent

FileKind = Literal["xlsx", "xlsm", "xls", "ods"]
Cell = object  # a cell value as read: str, int, float, bool, date/time or None

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
MACRO_CONTENT_TYPE = b"macroEnabled"
META_SHEET = "_meta"
SNIFF_BYTES = 2048
XLS_READER_MEMORY_BYTES = 2 * 1024**3  # address-space cap of the .xls reader process
XLS_READER_TIMEOUT_SECONDS = 60
DIMENSION_SNIFF_BYTES = 4096
KEPT_SHEET_XML_BYTES = 16 * 1024**2  # sheet XML read once by sniff and kept for its extent scan, per file

CODE_LABELS = frozenset({"gemeentecode", "municipalitycode"})
NUMBER_LABELS = ("nr", "nummer", "punt", "point")  # priority order when a header holds more than one
STATUS_LABELS = frozenset({"status"})
COMMENT_LABELS = frozenset({"toelichting", "comment", "comments", "opmerking", "opmerkingen"})

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"(?:[A-Z]+\d+:)?[A-Z]+(\d+)\"")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_PLAIN_FORMULA_TAG = re.compile(rb"<f[\s>/]")  # the usual spelling: a literal start, so a fast search
CELL_REF_CACHE_SIZE = 1 << 14  # addresses kept by cell_ref and parse_cell_ref
FOLD_CACHE_SIZE = 1 << 12  # labels kept by fold_label
FOLD_CACHE_MAX_CHARS = 64  # longer texts (comments, point texts) are folded each time, not kept
_MUNICIPALITY_CODE = re.compile(r"(?:GM)?(\d{1,4})")
# What a damaged zip package can raise while we look inside it.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    NotImplementedError,
    RuntimeError,  # an encrypted zip member
    ElementTree.ParseError,
    expat.ExpatError,
)
_SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# code → severity; the message is the catalogue's `issue.<code>` (etl.i18n) in Dutch and English, with its
# placeholders filled from the keyword arguments of `read_issue`.
SEVERITIES: dict[str, Severity] = {
    "empty_file": "error",
    "file_too_large": "error",
    "unsupported_file_type": "error",
    "corrupt_file": "error",
    "encrypted_file": "error",
    "uncompressed_too_large": "error",
    "compression_ratio_too_high": "error",
    "too_many_sheets": "error",
    "too_many_rows": "error",
    "sheet_too_large": "error",
    "macros_ignored": "warning",
}


# What went past which limit, for `sheet_too_large`: limit → setting; its words are the catalogue's
# `issue.extent.<limit>`, with `{count}` filled in. What a file that is not a workbook seems to be, for
# `unsupported_file_type`, is the catalogue's `issue.file_kind.<what>`.
EXTENT_SETTINGS: dict[extent.Limit, str] = {
    "rows": "max_rows_per_sheet",
    "columns": "max_columns_per_sheet",
    "cells": "max_cells_per_file",
}


def not_a_workbook(file: str, what: str) -> Issue:
    """`unsupported_file_type`, saying what the file seems to be."""
    return read_issue("unsupported_file_type", file, what=f"issue.file_kind.{what}")


def extent_limits(settings: Settings) -> extent.Limits:
    """The sheet-extent limits from the settings."""
    return extent.Limits(settings.max_rows_per_sheet, settings.max_columns_per_sheet, settings.max_cells_per_file)


def sheet_too_large(file: str, breach: extent.Breach, settings: Settings) -> Issue:
    """`sheet_too_large` at the first cell past a limit, naming the limit and its setting."""
    setting = EXTENT_SETTINGS[breach.limit]
    return read_issue(
        "sheet_too_large",
        file,
        breach.sheet,
        extent.address(breach.row, breach.column),
        cell=extent.address(breach.row, breach.column),
        what=f"issue.extent.{breach.limit}",
        count=breach.count,
        limit=getattr(settings, setting),
        setting=setting,
    )


def read_issue(
    code: str, file: str, sheet: str | None = None, cell: str | None = None, /, what: str = "", **values: object
) -> Issue:
    """An issue `issue.<code>` from the catalogue; `what` names a catalogue text that fills its `{what}` in each
    language (with the same values)."""
    nl, en = (
        t(f"issue.{code}", lang, **values, **({"what": t(what, lang, **values)} if what else {})) for lang in LANGUAGES
    )
    return Issue(SEVERITIES[code], code, file, sheet, cell, nl, en)


@lru_cache(maxsize=CELL_REF_CACHE_SIZE)
def cell_ref(row: int, column: int) -> str:
    """Spreadsheet address of a zero-based (row, column): (0, 0) → A1 (cached: validation asks for ~30,000 per
    national round, mostly the same few hundred)."""
    from openpyxl.utils.cell import get_column_letter  # here, so the .xls reader process starts fast

    return f"{get_column_letter(column + 1)}{row + 1}"


@lru_cache(maxsize=CELL_REF_CACHE_SIZE)
def parse_cell_ref(ref: str) -> tuple[int, int]:
    """Zero-based (row, column) of an address like `D12` (a ValueError for anything else, `$D$12` and `d12` too;
    cached like `cell_ref`, so openpyxl is imported only when first needed)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.utils.exceptions import CellCoordinatesException

    if not ref.isupper() or "$" in ref:
        raise ValueError(f"not a cell address: {ref!r}")
    try:
        letters, row = coordinate_from_string(ref)
        return row - 1, column_index_from_string(letters) - 1
    except CellCoordinatesException as exc:
        raise ValueError(f"not a cell address: {ref!r}") from exc


def is_blank(value: Cell) -> bool:
    """Empty cell or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def fold_label(value: Cell) -> str:
    """A label compared case- and whitespace-insensitively, trailing `:` or `.` ignored (`Nr.` is `nr`)."""
    if not isinstance(value, str):
        return ""
    return _fold_short(value) if len(value) <= FOLD_CACHE_MAX_CHARS else _fold(value)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(":. ")


@lru_cache(maxsize=FOLD_CACHE_SIZE)
def _fold_short(text: str) -> str:
    """`_fold` of a short text, cached: the same few labels are folded on every sheet of every upload."""
    return _fold(text)


# --- the workbook as read ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet as a grid of values from A1 (rows may be ragged)."""

    name: str
    rows: Sequence[Sequence[Cell]]

    def value(self, row: int, column: int) -> Cell:
        """The value at zero-based (row, column), None outside the grid or when empty."""
        if row < 0 or column < 0 or row >= len(self.rows) or column >= len(self.rows[row]):
            return None
        value = self.rows[row][column]
        return None if value == "" else value

    def row_is_blank(self, row: int) -> bool:
        return row >= len(self.rows) or all(is_blank(value) for value in self.rows[row])


@dataclass(frozen=True)
class Workbook:
    """A readable workbook: its kind, its sheets in order and the original bytes."""

    file: str
    kind: FileKind
    data: bytes = field(repr=False)
    sheets: tuple[Sheet, ...]
    # the formula cells of every sheet when `sniff_workbook` found them all while checking the extent (None: not
    # known, scanned on first use)
    scanned_formulas: Mapping[str, frozenset[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def meta_sheet(self) -> Sheet | None:
        return next((sheet for sheet in self.sheets if sheet.name.casefold() == META_SHEET), None)

    def formula_cells(self, sheet_name: str) -> frozenset[str]:
        """Addresses of the cells holding a formula on one sheet (detected for .xlsx/.xlsm only)."""
        return self._formulas.get(sheet_name, frozenset())

    @cached_property
    def _formulas(self) -> dict[str, frozenset[str]]:
        """The formula cells of every sheet, scanned on first use with the archive opened once per workbook
        (opening it per sheet re-read the zip directory and workbook parts 418 times in a national round)."""
        found: dict[str, frozenset[str]] = {}
        if self.kind not in ("xlsx", "xlsm"):
            return found
        if self.scanned_formulas is not None:  # found by the extent scan: no part decompressed twice
            return dict(self.scanned_formulas)
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                for name, part in _sheet_parts(archive).items():
                    try:
                        found[name] = formula_cells_in_sheet_xml(archive.read(part))
                    except ZIP_ERRORS:  # calamine read the cells, but the part cannot be scanned: none detected
                        continue
        except ZIP_ERRORS:
            return found
        return found


@dataclass(frozen=True)
class ReadResult:
    """The workbook (None when it could not be opened) and the findings about the file itself."""

    workbook: Workbook | None
    issues: list[Issue]


# --- sniffing and limits -----------------------------------------------------------------------------------


def _describe_unknown(data: bytes) -> str:
    """A short guess at what a non-workbook is, for the error message: the `<what>` of the catalogue's
    `issue.file_kind.<what>`."""
    head = data[:SNIFF_BYTES]
    if head.startswith(b"%PDF"):
        return "pdf"
    if b"\x00" in head:
        return "binary"
    text = head.decode("latin-1").lstrip().lower()
    if text.startswith(("<html", "<!doctype html", "<table")):
        return "html"
    return "csv" if any(separator in text for separator in (",", ";", "\t")) else "text"


def _zip_kind(archive: zipfile.ZipFile) -> tuple[FileKind | None, str]:
    names = set(archive.namelist())
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        return "ods", ""
    if "xl/workbook.xml" in names:
        content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        macros = "xl/vbaProject.bin" in names or MACRO_CONTENT_TYPE in content_types
        return ("xlsm" if macros else "xlsx"), ""
    if "xl/workbook.bin" in names:
        return None, "xlsb"
    if "word/document.xml" in names:
        return None, "docx"
    return None, "zip"


def _check_zip(archive: zipfile.ZipFile, file: str, settings: Settings) -> list[Issue]:
    """Zip-bomb defence from the central directory alone: total uncompressed size and compression ratio."""
    entries = archive.infolist()
    uncompressed = sum(entry.file_size for entry in entries)
    compressed = max(1, sum(entry.compress_size for entry in entries))
    if uncompressed > settings.max_uncompressed_bytes:
        return [read_issue("uncompressed_too_large", file, size=uncompressed, limit=settings.max_uncompressed_bytes)]
    ratio = uncompressed / compressed
    if ratio > settings.max_compression_ratio:
        return [
            read_issue("compression_ratio_too_high", file, ratio=round(ratio), limit=settings.max_compression_ratio)
        ]
    return []


def _ole2_kind(data: bytes) -> tuple[FileKind | None, str]:
    with olefile.OleFileIO(data) as ole:
        if ole.exists("EncryptionInfo"):
            return None, "encrypted"
        if ole.exists("Workbook") or ole.exists("Book"):
            return "xls", ""
        if ole.exists("WordDocument"):
            return None, "doc"
    return None, "ole2"


def _check_zip_extent(
    archive: zipfile.ZipFile,
    kind: FileKind,
    file: str,
    settings: Settings,
    formulas: dict[str, frozenset[str]] | None = None,
    kept: Mapping[str, bytes] | None = None,
) -> list[Issue]:
    """The real extent of every sheet of an .xlsx/.xlsm/.ods, streamed before any reader builds a dense grid; the
    formula cells of each .xlsx sheet part go into `formulas` when given; `kept`: sheet parts read whole already."""
    names = archive.namelist()
    if len(set(names)) != len(names):  # two parts of one name: a reader might take the one we did not scan
        return [read_issue("corrupt_file", file, detail="zip: a part name occurs twice")]
    try:
        if kind == "ods":
            extent.scan_ods(archive, extent_limits(settings))
        else:
            inspect = _formula_scanner(formulas) if formulas is not None else None
            extent.scan_xlsx(archive, extent_limits(settings), inspect, kept)
    except extent.SheetTooLarge as too_large:
        return [sheet_too_large(file, too_large.breach, settings)]
    return []


def _check_xls_extent(data: bytes, file: str, settings: Settings) -> list[Issue]:
    """The real (and declared) extent of every sheet of an .xls, from its BIFF records, before the reader runs:
    calamine reserves and fills the dense grids of all sheets as soon as it opens the file."""
    try:
        readable = extent.scan_xls(extent.workbook_stream(data), extent_limits(settings))
    except extent.SheetTooLarge as too_large:
        return [sheet_too_large(file, too_large.breach, settings)]
    except Exception as exc:  # olefile and struct raise several types on a malformed container
        return [read_issue("corrupt_file", file, detail=f"BIFF: {_short(exc)}")]
    return [] if readable else [read_issue("encrypted_file", file)]


@dataclass(frozen=True)
class Sniffed:
    """What :func:`sniff_workbook` found: the file type (None: must not be parsed), the findings, and for an
    .xlsx/.xlsm the formula cells of every sheet when the extent scan could collect them (None otherwise)."""

    kind: FileKind | None
    issues: list[Issue]
    formulas: dict[str, frozenset[str]] | None = None


def sniff(data: bytes, file: str, settings: Settings) -> tuple[FileKind | None, list[Issue]]:
    """Decide the file type by content and check the size limits; (None, errors) when it must not be parsed."""
    sniffed = sniff_workbook(data, file, settings)
    return sniffed.kind, sniffed.issues


def sniff_workbook(data: bytes, file: str, settings: Settings) -> Sniffed:
    """:func:`sniff`, also collecting the formula cells of an .xlsx/.xlsm from the sheet XML the extent scan
    decompresses anyway (a second pass over every sheet part cost as much as the scan itself)."""
    if not data:
        return Sniffed(None, [read_issue("empty_file", file)])
    if len(data) > settings.max_upload_bytes:
        return Sniffed(None, [read_issue("file_too_large", file, size=len(data), limit=settings.max_upload_bytes)])
    if data.startswith(OLE2_MAGIC):
        try:
            kind, detail = _ole2_kind(data)
        except Exception as exc:  # olefile raises OSError, but also others, on a truncated or malformed container
            return Sniffed(None, [read_issue("corrupt_file", file, detail=f"OLE2: {_short(exc)}")])
        if detail == "encrypted":
            return Sniffed(None, [read_issue("encrypted_file", file)])
        if kind is None:
            return Sniffed(None, [not_a_workbook(file, detail)])
        issues = _check_xls_extent(data, file, settings)
        return Sniffed(None, issues) if issues else Sniffed(kind, [])
    if data.startswith(ZIP_MAGIC):
        formulas = None
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                issues = _check_zip(archive, file, settings)
                if issues:
                    return Sniffed(None, issues)
                kind, detail = _zip_kind(archive)
                if kind in ("xlsx", "xlsm"):
                    by_part: dict[str, frozenset[str]] = {}
                    parts, kept = _sheet_parts(archive), dict[str, bytes]()
                    issues = _check_ooxml_rows(archive, file, settings, parts, kept) or _check_zip_extent(
                        archive, kind, file, settings, by_part, kept
                    )
                    formulas = None if issues else _formulas_by_sheet(archive, by_part, parts)
                elif kind == "ods":
                    issues = _check_zip_extent(archive, kind, file, settings)
                if issues:
                    return Sniffed(None, issues)
        except ZIP_ERRORS as exc:
            return Sniffed(None, [read_issue("corrupt_file", file, detail=f"zip: {_short(exc)}")])
        if kind is None:
            return Sniffed(None, [not_a_workbook(file, detail)])
        return Sniffed(kind, [read_issue("macros_ignored", file)] if kind == "xlsm" else [], formulas)
    return Sniffed(None, [not_a_workbook(file, _describe_unknown(data))])


def _formula_scanner(found: dict[str, frozenset[str]]) -> Callable[[str, bytes], None]:
    """An `inspect` for the extent scan: the formula cells of each sheet part into `found` (none when the part
    cannot be parsed, as :meth:`Workbook._formulas` decides)."""

    def scan(part: str, xml: bytes) -> None:
        try:
            found[part] = formula_cells_in_sheet_xml(xml)
        except ZIP_ERRORS:
            found[part] = frozenset()

    return scan


def _formulas_by_sheet(
    archive: zipfile.ZipFile, by_part: dict[str, frozenset[str]], parts: Mapping[str, str]
) -> dict[str, frozenset[str]] | None:
    """The formula cells by sheet name (`parts`: as :func:`_sheet_parts` lists them), as
    :meth:`Workbook._formulas` finds them, when the extent scan saw every sheet part; None when one was left out
    (a part too large to read whole, or named differently)."""
    names = set(archive.namelist())
    found: dict[str, frozenset[str]] = {}
    for name, part in parts.items():
        if part in by_part:
            found[name] = by_part[part]
        elif part in names:
            return None
    return found


# --- OOXML parts: sheet names, declared dimensions, formulas ---------------------------------------------


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{{{_PACKAGE_REL_NS}}}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_SPREADSHEET_NS}}}sheet"):
        target = targets.get(sheet.get(f"{{{_RELATIONSHIP_NS}}}id"), "")
        if target:
            parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def _check_ooxml_rows(
    archive: zipfile.ZipFile, file: str, settings: Settings, parts: Mapping[str, str], kept: dict[str, bytes]
) -> list[Issue]:
    """Sheet count and the row count each sheet declares (`<dimension>`), before anything is parsed.

    `parts`: the sheet parts as :func:`_sheet_parts` gives them. `kept`: sheet parts the extent scan would read
    whole are read whole here and kept in it (up to KEPT_SHEET_XML_BYTES in all), so their start is not
    decompressed twice; any other part only as far as `DIMENSION_SNIFF_BYTES`."""
    if len(parts) > settings.max_sheets:
        return [read_issue("too_many_sheets", file, count=len(parts), limit=settings.max_sheets)]
    names = set(archive.namelist())
    budget = KEPT_SHEET_XML_BYTES
    for name, part in parts.items():
        if part not in names:
            continue
        head = kept.get(part)  # two sheet names may share a part
        if head is None:
            size = archive.getinfo(part).file_size
            if size <= min(budget, extent.QUICK_SCAN_BYTES):
                head = _read_whole(archive, part)
                if head is not None:
                    kept[part], budget = head, budget - size
        if head is None:
            with archive.open(part) as stream:
                head = stream.read(DIMENSION_SNIFF_BYTES)
        match = _DIMENSION.search(head[:DIMENSION_SNIFF_BYTES])
        if match and int(match.group(1)) > settings.max_rows_per_sheet:
            return [
                read_issue("too_many_rows", file, name, count=int(match.group(1)), limit=settings.max_rows_per_sheet)
            ]
    return []


def _read_whole(archive: zipfile.ZipFile, part: str) -> bytes | None:
    """The part's bytes, or None when it cannot be read whole (the extent scan then meets the error, as before)."""
    try:
        return archive.read(part)
    except ZIP_ERRORS:
        return None


def _has_formula_tag(xml: bytes) -> bool:
    """Whether the XML holds an `<f>` start tag, with or without a prefix (as `_FORMULA_TAG` finds it, at a quarter
    of its cost: a search that starts at every `<` only where a prefixed tag can be)."""
    return bool(_PLAIN_FORMULA_TAG.search(xml) or (b":f" in xml and _FORMULA_TAG.search(xml)))


def formula_cells_in_sheet_xml(xml: bytes) -> frozenset[str]:
    """Addresses of `<c>` elements with an `<f>` child, by a streaming parse (skipped when there is no `<f>`)."""
    if not _has_formula_tag(xml):
        return frozenset()
    found: set[str] = set()
    row, column, ref = 0, -1, ""
    for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "start" and tag == "row":
            row = int(element.get("r") or row + 1)
            column = -1
        elif event == "start" and tag == "c":
            explicit = element.get("r")
            column = parse_cell_ref(explicit)[1] if explicit else column + 1
            ref = explicit or cell_ref(row - 1, column)
        elif event == "end" and tag == "f":
            found.add(ref)
        elif event == "end" and tag == "row":
            element.clear()
    return frozenset(found)


# --- reading the cells -------------------------------------------------------------------------------------


def _malformed_input(exc: BaseException) -> bool:
    """Whether calamine failed on the file: any of its many exception types, or a Rust panic, which pyo3 raises
    as `PanicException` (a BaseException) on some malformed files."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _read_calamine(data: bytes, file: str, kind: FileKind, settings: Settings) -> ReadResult:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        return ReadResult(None, [read_issue("encrypted_file", file)])
    except BaseException as exc:
        if not _malformed_input(exc):
            raise
        return ReadResult(None, [read_issue("corrupt_file", file, detail=_short(exc))])
    with book:
        worksheets = [meta.name for meta in book.sheets_metadata if meta.typ == python_calamine.SheetTypeEnum.WorkSheet]
        if len(book.sheet_names) > settings.max_sheets:
            return ReadResult(
                None, [read_issue("too_many_sheets", file, count=len(book.sheet_names), limit=settings.max_sheets)]
            )
        sheets: list[Sheet] = []
        for name in worksheets:
            try:
                sheet = book.get_sheet_by_name(name)
                height = sheet.end[0] + 1 if sheet.end else 0
                if height > settings.max_rows_per_sheet:
                    return ReadResult(
                        None, [read_issue("too_many_rows", file, name, count=height, limit=settings.max_rows_per_sheet)]
                    )
                rows = sheet.to_python(skip_empty_area=False) if height else []
            except python_calamine.PasswordError:
                return ReadResult(None, [read_issue("encrypted_file", file)])
            except BaseException as exc:
                if not _malformed_input(exc):
                    raise
                return ReadResult(None, [read_issue("corrupt_file", file, name, detail=_short(exc))])
            sheets.append(Sheet(name, rows))
    return ReadResult(Workbook(file, kind, data, tuple(sheets)), [])


def _read_xls_isolated(data: bytes, file: str, settings: Settings) -> ReadResult:
    """Read an .xls in a child process. calamine's .xls reader can abort the whole process on a malformed file (a
    failed huge allocation is no exception), so a crafted upload must not be able to take the server down."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from etl.workbook.read import xls_reader_main; xls_reader_main()"],
            input=pickle.dumps((data, file, settings)),
            capture_output=True,
            timeout=XLS_READER_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        detail = f"reading took more than {XLS_READER_TIMEOUT_SECONDS} s"
        return ReadResult(None, [read_issue("corrupt_file", file, detail=detail)])
    if done.returncode != 0 or not done.stdout:
        detail = f".xls reader stopped, exit status {done.returncode}"
        return ReadResult(None, [read_issue("corrupt_file", file, detail=detail)])
    return pickle.loads(done.stdout)  # written by xls_reader_main below, not by the uploader


def xls_reader_main() -> None:
    """The child process of :func:`_read_xls_isolated`: cap memory, read the .xls from stdin, pickle the result."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)  # never above a cap the server itself runs under
    cap = XLS_READER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(hard, XLS_READER_MEMORY_BYTES)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    data, file, settings = pickle.loads(sys.stdin.buffer.read())
    sys.stdout.buffer.write(pickle.dumps(_read_calamine(data, file, "xls", settings)))


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def read_workbook(data: bytes, file: str, settings: Settings) -> ReadResult:
    """Sniff, check the limits, then read every worksheet; never raises for bad input."""
    sniffed = sniff_workbook(data, file, settings)
    kind = sniffed.kind
    if kind is None:
        return ReadResult(None, sniffed.issues)
    result = _read_xls_isolated(data, file, settings) if kind == "xls" else _read_calamine(data, file, kind, settings)
    workbook = result.workbook
    if workbook is not None and sniffed.formulas is not None:
        workbook = replace(workbook, scanned_formulas=sniffed.formulas)
    return ReadResult(workbook, sniffed.issues + result.issues)


# --- layout: where the code, the points table and the meta data are ------------------------------------------


@dataclass(frozen=True)
class CodeCell:
    """The `Gemeentecode` label and the cell holding the code (None when both candidates are blank)."""

    label: tuple[int, int]
    position: tuple[int, int] | None
    value: Cell


@dataclass(frozen=True)
class PointsTable:
    """Column positions of the points table and the rows it spans (up to the first entirely blank row)."""

    header_row: int
    number_column: int
    status_column: int
    comment_column: int | None
    rows: tuple[int, ...]
    other_number_columns: tuple[int, ...] = ()  # further candidate columns when the choice stays ambiguous


POINT_NUMBER_LABELS = (*NUMBER_LABELS, "puntnummer", "point number", "no")  # header labels, in priority order
_POINT_NUMBER = re.compile(r"(?:(?:punt|point|nr|no|nummer|p)\s*\.?\s*)?(\d{1,9})\s*[.:)]?")


def parse_point_number(value: object) -> int | None:
    """A point number as people write it: 7, 7.0, "7", "7.", "Punt 7", "punt 7", "Point 7", "nr. 7", "P7"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _POINT_NUMBER.fullmatch(" ".join(value.split()).casefold())
        return int(match.group(1)) if match else None
    return None


def _cells(sheet: Sheet) -> Iterator[tuple[int, int, Cell]]:
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            if isinstance(value, str) and value:
                yield r, c, value


def find_code(sheet: Sheet) -> CodeCell | None:
    """The first cell labelled `Gemeentecode`/`Municipality code`, with the code right of it or below it."""
    for r, c, value in _cells(sheet):
        if fold_label(value).replace(" ", "") in CODE_LABELS:
            for position in ((r, c + 1), (r + 1, c)):
                if not is_blank(sheet.value(*position)):
                    return CodeCell((r, c), position, sheet.value(*position))
            return CodeCell((r, c), None, None)
    return None


def find_points_table(sheet: Sheet, points: Sequence[int] | None = None) -> PointsTable | None:
    """The first row holding both a number label (`Nr`, `Punt`, ...) and `Status`; data rows follow it.

    When several columns are labelled as the number, the one whose values parse as point numbers (in `points`
    when given) most often wins; when two score the same but hold different numbers, the table says so in
    `other_number_columns` and the caller reports one issue instead of one per row.
    """
    for r, row in enumerate(sheet.rows):
        folded = [fold_label(value) if value else "" for value in row]  # "" for what is not text (or empty)
        if STATUS_LABELS.isdisjoint(folded):
            continue  # no `Status` label: not the header (checked first, it rules out most rows at once)
        labels = {label: c for c, label in reversed(list(enumerate(folded))) if isinstance(row[c], str)}
        status = next((labels[label] for label in STATUS_LABELS if label in labels), None)
        candidates = sorted(
            {c for c, label in enumerate(folded) if label in POINT_NUMBER_LABELS and c != status},
            key=lambda c: (POINT_NUMBER_LABELS.index(folded[c]), c),
        )
        if not candidates or status is None:
            continue
        comment = min((c for label, c in labels.items() if label in COMMENT_LABELS), default=None)
        data_rows: list[int] = []
        for data_row in range(r + 1, len(sheet.rows)):
            cells = sheet.rows[data_row]
            first = cells[0] if cells else None
            filled = first is not None and (not isinstance(first, str) or bool(first.strip()))  # the usual row
            if not filled and sheet.row_is_blank(data_row):
                break
            data_rows.append(data_row)
        number, others = _number_column(sheet, candidates, data_rows, points)
        return PointsTable(r, number, status, comment, tuple(data_rows), others)
    return None


def _number_column(
    sheet: Sheet, candidates: list[int], rows: list[int], points: Sequence[int] | None
) -> tuple[int, tuple[int, ...]]:
    """The candidate column whose values are point numbers most often, and the columns that tie with it."""
    if len(candidates) == 1:  # nothing to choose between (the usual table)
        return candidates[0], ()

    def numbers(column: int) -> tuple[int | None, ...]:
        parsed = (parse_point_number(sheet.value(row, column)) for row in rows)
        return tuple(n if n is not None and (n in points if points else n > 0) else None for n in parsed)

    values = {column: numbers(column) for column in candidates}
    scores = {column: sum(n is not None for n in found) for column, found in values.items()}
    best = max(candidates, key=lambda column: scores[column])  # first in label priority on a tie
    ties = tuple(c for c in candidates if c != best and scores[c] == scores[best] and values[c] != values[best])
    return best, ties if scores[best] else ()


def parse_municipality_code(value: object) -> str | None:
    """`GM0363`, `gm0363`, `0363`, `363` or the number 363 → `GM0363`; None when it is not a code."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value != value or not float(value).is_integer() or not 0 <= value < 10_000:
            return None
        return f"GM{int(value):04d}"
    if not isinstance(value, str):
        return None
    match = _MUNICIPALITY_CODE.fullmatch("".join(value.split()).upper())
    return f"GM{int(match.group(1)):04d}" if match else None


def meta_values(sheet: Sheet) -> dict[str, tuple[str, str]]:
    """`_meta` key/value rows (first two non-empty cells of a row): key → (value as text, address of the value)."""
    found: dict[str, tuple[str, str]] = {}
    for r, row in enumerate(sheet.rows):
        filled = [(c, value) for c, value in enumerate(row) if not is_blank(value)]
        if len(filled) < 2:
            continue
        (_, key), (column, value) = filled[0], filled[1]
        found.setdefault(fold_label(key), (cell_text(value), cell_ref(r, column)))
    return found


def cell_text(value: Cell) -> str:
    """A cell as text: whole floats without `.0` (LibreOffice stores a typed 2009 as 2009.0), no NUL characters."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else clean_text(str(value))


def clean_text(text: str) -> str:
    """Trimmed text without NUL characters, which no database text column can hold."""
    return text.replace("\x00", "").strip()
