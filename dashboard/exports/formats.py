"""The export formats, each declared once: name (`raak export --format`, the export page's checkbox), file extension,
label and writer. `bundle.build_export` writes the chosen ones; this order is the canonical one (checkboxes, files).

A document format (`write` set) is one file per export, `<round>_<scope><suffix><extension>`, written from the
gathered content and the chart images it `places` (the PDF its PNGs, drawn even when PNG is not chosen); a chart
format (`write` None) is one file per chart, all drawn together in one Chromium.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.exports.content import STEP_IMAGES, STEP_PDF, STEP_XLSX, ExportContent, ExportError

Images = dict[tuple[str, str], Path]  # (scope, chart name) → image file
# PNG → its stream for the PDF being prepared while Chromium draws (`pdf.prepare_image`); empty: none prepared
Prepared = Mapping[Path, "Future[Any]"]
DocumentWriter = Callable[[ExportContent, Images, Path, Prepared], Path]


@dataclass(frozen=True)
class ExportFormat:
    """One export format; see the module."""

    name: str
    extension: str
    label: str  # text key of its checkbox on the export page
    write: DocumentWriter | None = None
    suffix: str = ""
    places: str | None = None
    step: str = STEP_IMAGES  # the progress step reported when its files are written

    @property
    def per_chart(self) -> bool:
        """Whether this format is one file per chart (drawn by Chromium) rather than one document."""
        return self.write is None

    def filename(self, stem: str) -> str:
        """A document's file name: `2011_national` → `2011_national_report.pdf`."""
        return f"{stem}{self.suffix}{self.extension}"


def _write_pdf(content: ExportContent, images: Images, path: Path, prepared: Prepared) -> Path:
    from dashboard.exports.pdf import write_pdf  # reportlab loads only when a PDF is written

    return write_pdf(content, images, path, prepared)


def _write_xlsx(content: ExportContent, _images: Images, path: Path, _prepared: Prepared) -> Path:
    from dashboard.exports.xlsx import write_workbook

    return write_workbook(content, path)


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat("pdf", ".pdf", "export.format.pdf", _write_pdf, suffix="_report", places="png", step=STEP_PDF),
    ExportFormat("png", ".png", "export.format.png"),
    ExportFormat("svg", ".svg", "export.format.svg"),
    ExportFormat("xlsx", ".xlsx", "export.format.xlsx", _write_xlsx, suffix="_tables", step=STEP_XLSX),
)
NAMES = tuple(fmt.name for fmt in FORMATS)
BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """`"pdf,png"` (or a list) → ("pdf", "png") in the canonical order; an ExportError names an unknown format."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    asked = {part.strip().lower() for part in parts if part.strip()}
    unknown = sorted(asked - set(NAMES))
    if unknown:
        raise ExportError(f"unknown format {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    if not asked:
        raise ExportError(f"no format chosen (choose from {', '.join(NAMES)})")
    return tuple(name for name in NAMES if name in asked)


def chosen(names: Iterable[str]) -> list[ExportFormat]:
    """The formats named, in the canonical order."""
    wanted = set(names)
    return [fmt for fmt in FORMATS if fmt.name in wanted]


def drawn_formats(names: Iterable[str]) -> list[str]:
    """The chart formats an export of the formats `names` draws: those chosen and those a chosen document places."""
    wanted = chosen(names)
    placed = {fmt.places for fmt in wanted}
    return [fmt.name for fmt in FORMATS if fmt.per_chart and (fmt in wanted or fmt.name in placed)]
