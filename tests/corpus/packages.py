"""Spreadsheet packages written by hand (zipfile and XML), for input no spreadsheet program would write: far cells,
bombs, a million rows. The reader's tests (bad input, extent attacks) build their crafted files from these."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from typing import IO

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"
WORKSHEET_START = f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}">'.encode()
WORKSHEET_END = b"</worksheet>"

SheetWriter = Callable[[IO[bytes]], None]  # streams a whole worksheet part: for sheets too big to hold in memory


def xlsx(sheets: Mapping[str, str | SheetWriter], dimension: str | None = None) -> bytes:
    """A minimal .xlsx: sheet name → the XML inside `<sheetData>` (with an optional `<dimension>`), or a writer
    that streams the whole worksheet part itself."""
    out = io.BytesIO()
    numbers = range(1, len(sheets) + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in numbers
    )
    listed = "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, 1))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{WORKSHEET_TYPE}" Target="worksheets/sheet{i}.xml"/>' for i in numbers
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>{listed}</sheets></workbook>',
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{PKG_NS}">{rels}</Relationships>'
        )
        for i, body in enumerate(sheets.values(), 1):
            part = f"xl/worksheets/sheet{i}.xml"
            if callable(body):
                with package.open(part, "w") as stream:
                    body(stream)
            else:
                package.writestr(
                    part, WORKSHEET_START.decode() + f"{declared}<sheetData>{body}</sheetData>" + WORKSHEET_END.decode()
                )
    return out.getvalue()


def ods(tables: Mapping[str, str]) -> bytes:
    """A minimal .ods: table name → the XML of its rows."""
    namespaces = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join(f'<table:table table:name="{name}">{rows}</table:table>' for name, rows in tables.items())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        package.writestr(
            "content.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces} office:version="1.2">'
            f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>",
        )
    return out.getvalue()
