"""The layout every return workbook shares, whoever writes or reads it: template version, sheet names, print setup.

`etl.templates` writes workbooks with it and `etl.ingest` checks returns against it, so neither imports the other.
"""

from __future__ import annotations

import re

from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from etl.reference.framework import version_order
from etl.store import models as m
from etl.workbook.read import META_SHEET

TEMPLATE_VERSION = "1"
INSTRUCTIONS_SHEET = "Instructie"
SHEET_NAME_MAX = 31  # Excel's limit
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def framework_versions(session: Session) -> list[str]:
    """Framework versions in the database, oldest first (`raak-2007` < `raak-2012`)."""
    return sorted(session.scalars(select(m.FrameworkVersion.version)), key=version_order)


def sheet_names(names: list[str], *, reserved: tuple[str, ...] = (INSTRUCTIONS_SHEET, META_SHEET)) -> list[str]:
    """Valid, unique (case-insensitive) sheet names: forbidden characters replaced, 31 characters, no edge quote."""
    taken = {name.casefold() for name in reserved}
    result = []
    for name in names:
        base = _FORBIDDEN_IN_SHEET_NAME.sub("-", name).strip()
        base = re.sub(r"^'|'$", "’", base) or "Gemeente"  # Excel forbids a leading or trailing apostrophe
        candidate, n = base[:SHEET_NAME_MAX], 1
        while candidate.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def fit_to_page_width(ws: Worksheet) -> None:
    """Print landscape, as wide as one page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
