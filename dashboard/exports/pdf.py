"""The export's PDF report (ReportLab): A4 with a cover, contents, page numbers, every national view, one page per
region, the method (written for its readers; the developers' formulas stay in docs/metrics.md) and the sources.
The first page is the steering summary (`dashboard.analytics.summary.steering_summary`).

It is made for the steering group's meeting papers: readable in black and white (flags are words, tables use grey
rules, the charts carry patterns and line styles, see `dashboard.figures.charts`), demo data marked on every page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import reportlab
from markdown_it import MarkdownIt
from PIL import Image
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, _digester
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents
from zlib_ng import zlib_ng

from dashboard.analytics.metrics import Lang
from dashboard.analytics.summary import rank_text, steering_summary
from dashboard.exports.content import NATIONAL, ExportContent, RegionPart
from dashboard.exports.method import method_text
from dashboard.i18n import has, integer, long_date, percent, t

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 22 * mm, 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
HEADER_Y, FOOTER_Y = PAGE_HEIGHT - 12 * mm, 10 * mm
BODY_SIZE, SMALL_SIZE, TABLE_SIZE = 9.5, 7.5, 8.5
CELL_PADDING = 6  # ReportLab's default left and right padding of a table cell, in points
CHART_MAX_HEIGHT = FRAME_HEIGHT - 20 * mm  # a chart leaves room for its section heading
REGION_PROFILE_HEIGHT, REGION_CHANGE_HEIGHT = 80 * mm, 115 * mm  # a region's KPIs and charts fill one page
CHART_GAP = 4 * mm  # white space below a chart
MIN_SHRINK = 0.6  # a chart shrinks to fit the rest of a page down to this share of its size, else moves on
REGION_MIN_SHRINK = 0.4  # ... a region's change chart further, so the region keeps to one page
GREY_RULE, GREY_FILL, DEMO_GREY = colors.HexColor("#808080"), colors.HexColor("#e6e6e6"), colors.HexColor("#404040")
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
DEJAVU = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf")
VERA = ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf")  # shipped with ReportLab: the fallback
MONO_FILE = "DejaVuSansMono.ttf"
FAMILY, MONO = "RaakSans", "RaakMono"


def _t(key: str, lang: Lang, **values: object) -> str:
    """The report's own text `pdf.<key>`, or the dashboard's text `key` where the report has none of its own."""
    own = f"pdf.{key}"
    return t(own if has(own) else key, lang, **values)


# --- fonts and styles -----------------------------------------------------------------------------------------


def register_fonts() -> None:
    """DejaVu Sans (covers ≥, Σ, − in the formulas) when installed, else ReportLab's own Vera; idempotent."""
    if FAMILY in pdfmetrics.getRegisteredFontNames():
        return
    folder = next((d for d in FONT_DIRS if all((d / name).is_file() for name in DEJAVU)), None)
    files = (
        [folder / name for name in DEJAVU] if folder else [Path(reportlab.__file__).parent / "fonts" / n for n in VERA]
    )
    names = [FAMILY, f"{FAMILY}-Bold", f"{FAMILY}-Italic", f"{FAMILY}-BoldItalic"]
    for name, path in zip(names, files, strict=True):
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(FAMILY, normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3])
    mono = folder / MONO_FILE if folder and (folder / MONO_FILE).is_file() else files[0]
    pdfmetrics.registerFont(TTFont(MONO, str(mono)))


MARKDOWN = MarkdownIt("commonmark", {"html": False})  # inline Markdown of the texts; HTML in a text stays text
INLINE_TAGS = {  # Markdown token → reportlab paragraph markup
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "link_close": "</link>",
    "softbreak": " ",
    "hardbreak": "<br/>",
}


def inline_markup(text: str) -> str:
    """Paragraph markup for `text` read as inline Markdown: each `code` part in the monospace font without its
    backticks (as the pages show commands), **bold**, *italic*, links; everything else escaped. A backtick that
    opens no code span is dropped."""
    out: list[str] = []
    for token in MARKDOWN.parseInline(text)[0].children or []:
        if token.type == "code_inline":
            out.append(f'<font face="{MONO}">{escape(token.content)}</font>')
        elif token.type == "link_open":
            out.append(f"<link href={quoteattr(str(token.attrGet('href') or ''))}>")
        elif token.type in INLINE_TAGS:
            out.append(INLINE_TAGS[token.type])
        else:  # text, and whatever has no markup of its own (an image: its description)
            out.append(escape(token.content.replace("`", "")))
    return "".join(out)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of the report."""

    body: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    contents: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    code: ParagraphStyle
    formula: ParagraphStyle
    headline: ParagraphStyle
    bullet: ParagraphStyle
    sub_bullet: ParagraphStyle
    notice: ParagraphStyle
    toc: tuple[ParagraphStyle, ParagraphStyle]


def make_styles() -> Styles:
    """The styles in the report's fonts (registered on first use)."""
    register_fonts()
    body = ParagraphStyle("body", fontName=FAMILY, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.35, spaceAfter=5)
    cell = ParagraphStyle("cell", parent=body, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.25, spaceAfter=0)
    return Styles(
        body=body,
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=f"{FAMILY}-Bold", splitLongWords=0),
        title=ParagraphStyle("title", parent=body, fontName=f"{FAMILY}-Bold", fontSize=24, leading=30, spaceAfter=8),
        subtitle=ParagraphStyle("subtitle", parent=body, fontSize=14, leading=19, spaceAfter=24),
        contents=ParagraphStyle("contents", parent=body, fontName=f"{FAMILY}-Bold", fontSize=16, leading=20),
        h1=ParagraphStyle("Heading1", parent=body, fontName=f"{FAMILY}-Bold", fontSize=16, leading=20, spaceAfter=8),
        h2=ParagraphStyle("Heading2", parent=body, fontName=f"{FAMILY}-Bold", fontSize=12.5, leading=16, spaceAfter=6),
        h3=ParagraphStyle("h3", parent=body, fontName=f"{FAMILY}-Bold", fontSize=10.5, leading=14, spaceBefore=6),
        code=ParagraphStyle(
            "code", parent=body, fontName=MONO, fontSize=8, leading=10.5, leftIndent=6 * mm, spaceAfter=6
        ),
        formula=ParagraphStyle(
            "formula", parent=body, fontName=f"{FAMILY}-Italic", leftIndent=8 * mm, spaceBefore=2, spaceAfter=6
        ),
        headline=ParagraphStyle(
            "headline", parent=body, fontName=f"{FAMILY}-Bold", fontSize=14, leading=18, spaceAfter=4
        ),
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=5 * mm, bulletIndent=1 * mm, spaceAfter=3),
        sub_bullet=ParagraphStyle("sub_bullet", parent=body, leftIndent=10 * mm, spaceAfter=2),
        notice=ParagraphStyle(
            "notice",
            parent=body,
            fontName=f"{FAMILY}-Bold",
            borderColor=colors.black,
            borderWidth=1.2,
            borderPadding=6,
            spaceBefore=10,
            spaceAfter=14,
        ),
        toc=(
            ParagraphStyle("toc1", parent=body, fontName=f"{FAMILY}-Bold", leftIndent=0, spaceBefore=4),
            ParagraphStyle("toc2", parent=body, leftIndent=8 * mm, spaceAfter=1, spaceBefore=0),
        ),
    )


def grey_rules(padding: float) -> list[tuple[Any, ...]]:
    """A thin grey rule under every row, text at the top of its cell: tables that print well in grey."""
    return [
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, GREY_RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
    ]


def header_widths(header: list[str], shares: list[float], style: ParagraphStyle) -> list[float]:
    """Column widths (points) from `shares` of the frame, widened so each header's longest word fits on a line;
    the width a column gains is taken from the columns with room to spare, so the table stays in the margins."""
    padding = 2 * CELL_PADDING
    needed = [
        max((pdfmetrics.stringWidth(word, style.fontName, style.fontSize) for word in text.split()), default=0)
        + padding
        for text in header
    ]
    widths = [max(share * FRAME_WIDTH, need) for share, need in zip(shares, needed, strict=True)]
    excess = sum(widths) - FRAME_WIDTH
    if excess > 0:
        room = [width - need for width, need in zip(widths, needed, strict=True)]
        spare = sum(room)
        widths = [width - excess * r / spare for width, r in zip(widths, room, strict=True)] if spare > 0 else widths
    return widths


# --- chart images ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedImage:
    """A chart PNG as the PDF embeds it: its size and its RGB pixels, compressed."""

    width: int
    height: int
    stream: bytes


PreparedImages = Mapping[Path, "Future[PreparedImage | None]"]
PREPARED_MODES = ("RGB", "RGBA")  # what kaleido writes; any other PNG is left to ReportLab
IMAGE_ZLIB_LEVEL = 6  # zlib's default, as ReportLab compresses


def prepare_image(path: Path) -> PreparedImage | None:
    """The image stream ReportLab's `drawImage` makes of a PNG, compressed by zlib-ng instead of zlib, or None for a
    PNG it would treat otherwise (a palette or grey image).

    ReportLab decodes the PNG, drops the alpha channel (no mask is asked for; it also splits the alpha off, unused)
    and compresses the RGB pixels with zlib's default level: ~0.1 s per 2000-px chart, about half of the PDF's time.
    zlib-ng's deflate at the same level takes a quarter of zlib's time for a stream 3 % larger that any PDF reader
    inflates to the same pixels. PIL's decoding and zlib-ng let go of the GIL, so the export prepares each PNG on a
    worker thread as soon as Chromium has drawn it (one thread per core), and the PDF only places the streams.
    """
    with Image.open(path) as image:
        if image.mode not in PREPARED_MODES:
            return None
        image.load()
        # Packed straight to RGB bytes: the same bytes as convert("RGB").tobytes() without the copy in between.
        rgb = image.tobytes("raw", "RGB")
        return PreparedImage(image.width, image.height, zlib_ng.compress(rgb, IMAGE_ZLIB_LEVEL))


def _place_prepared(canvas: Canvas, path: Path, prepared: PreparedImage) -> None:
    """Register `prepared` as the image XObject that `canvas.drawImage(str(path))` would make, under the same name
    and in the same steps (ReportLab's canvas.drawImage), so drawImage finds it and only places it: the PDF is the
    same but for the compressed bytes of its images (tests/test_export_pdf_images.py)."""
    name = _digester(f"{path}{None}".encode())  # drawImage's name for a file drawn without a mask
    document = canvas._doc
    registered = document.getXObjectName(name)
    if document.idToObject.get(registered) is not None:
        return
    image = PDFImageXObject(name)
    image.width, image.height = prepared.width, prepared.height
    image.bitsPerComponent, image.colorSpace = 8, "DeviceRGB"
    image._filters = ("FlateDecode",)
    image.streamContent = prepared.stream
    image.mask = None
    canvas._setXObjects(image)
    document.Reference(image, registered)
    document.addForm(name, image)


# --- flowables ------------------------------------------------------------------------------------------------


class ChartImage(Flowable):
    """A chart PNG at the frame width (centred), no taller than `max_height`, with a gap below; shrinks a little
    to end a page rather than leave the rest of it empty."""

    def __init__(
        self,
        path: Path,
        max_height: float = CHART_MAX_HEIGHT,
        min_shrink: float = MIN_SHRINK,
        prepared: Future[PreparedImage | None] | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.prepared = prepared
        self.min_shrink = min_shrink
        self.drawn = False  # off while the layout settles, on for the last pass (see write_pdf)
        self.pixels = ImageReader(str(path)).getSize()
        self.max_height = max_height
        self.draw_size = (0.0, 0.0)
        self.offset = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height = self.pixels
        room = avail_height - CHART_GAP
        scale = min(avail_width / width, self.max_height / height)
        if height * scale > room >= height * scale * self.min_shrink:
            scale = room / height
        self.draw_size = (width * scale, height * scale)
        self.offset = (avail_width - self.draw_size[0]) / 2
        return avail_width, self.draw_size[1] + CHART_GAP

    def draw(self) -> None:
        if self.drawn:
            prepared = self.prepared.result() if self.prepared is not None else None
            if prepared is not None and not rl_config.useA85:
                _place_prepared(self.canv, self.path, prepared)
            self.canv.drawImage(str(self.path), self.offset, CHART_GAP, *self.draw_size)


class ReportDocument(BaseDocTemplate):
    """A4 with a cover template and a body template (header, footer); headings feed the contents and outline."""

    def __init__(self, path: Path, header: str, footer: str, demo_mark: str | None, **kwargs: Any) -> None:
        super().__init__(
            str(path),
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            **kwargs,
        )
        self.header, self.footer, self.demo_mark = header, footer, demo_mark
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, FRAME_HEIGHT, id="body", leftPadding=0, rightPadding=0)
        self.addPageTemplates(
            [
                PageTemplate("cover", [frame], onPage=self._decorate_cover),
                PageTemplate("body", [frame], onPage=self._decorate),
            ]
        )
        self.heading_count = 0
        self.on_settled: Callable[[], None] | None = None

    def _allSatisfied(self) -> bool:
        """Whether the contents have settled; the first time they have, run `on_settled` and ask for a last pass."""
        if not super()._allSatisfied():
            return False
        if self.on_settled is not None:
            self.on_settled()
            self.on_settled = None
            return False
        return True

    def _demo(self, canvas: Canvas, y: float) -> None:
        if self.demo_mark:
            canvas.setFont(f"{FAMILY}-Bold", 9)
            canvas.setFillColor(DEMO_GREY)
            canvas.drawRightString(PAGE_WIDTH - MARGIN_X, y, self.demo_mark)

    def _decorate_cover(self, canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        self._demo(canvas, HEADER_Y)
        canvas.restoreState()

    def _decorate(self, canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FAMILY, SMALL_SIZE)
        canvas.setFillColor(colors.black)
        canvas.drawString(MARGIN_X, HEADER_Y, self.header)
        canvas.setStrokeColor(GREY_RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, HEADER_Y - 2 * mm, PAGE_WIDTH - MARGIN_X, HEADER_Y - 2 * mm)
        canvas.drawString(MARGIN_X, FOOTER_Y, self.footer)
        self._demo(canvas, HEADER_Y)
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        """Headings go into the table of contents and the PDF outline."""
        if not isinstance(flowable, Paragraph) or flowable.style.name not in ("Heading1", "Heading2"):
            return
        level = 0 if flowable.style.name == "Heading1" else 1
        text = flowable.getPlainText()
        key = f"heading-{self.heading_count}"
        self.heading_count += 1
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (level, text, self.page, key))

    def handle_documentBegin(self) -> None:
        self.heading_count = 0
        super().handle_documentBegin()


def numbered_canvas(label: Callable[[int, int], str]) -> type[Canvas]:
    """A canvas that writes `label(page, total)` at the foot of every page but the cover, once the total is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                if self._pageNumber > 1:
                    self.setFont(FAMILY, SMALL_SIZE)
                    self.drawRightString(PAGE_WIDTH - MARGIN_X, FOOTER_Y, label(self._pageNumber, total))
                super().showPage()
            super().save()

    return NumberedCanvas


# --- building blocks ------------------------------------------------------------------------------------------


class Builder:
    """Turns an ExportContent into flowables, in the export's language."""

    def __init__(
        self, content: ExportContent, images: dict[tuple[str, str], Path], prepared: PreparedImages | None = None
    ) -> None:
        self.content = content
        self.report = content.report
        self.lang: Lang = content.request.lang
        self.images = images
        self.prepared: PreparedImages = prepared or {}
        self.styles = make_styles()
        self.charts: list[ChartImage] = []

    def t(self, key: str, **values: object) -> str:
        """A report text (`pdf.<key>`) or a dashboard text (`key`), in the export's language."""
        return _t(key, self.lang, **values)

    def pct(self, value: float | None) -> str:
        return percent(value, self.lang)

    def date(self, value: Any) -> str:
        return long_date(value, self.lang)

    def para(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text (escaped); its `backticked` parts are commands, set in the monospace font."""
        return Paragraph(inline_markup(text), style or self.styles.body)

    def chart(
        self, scope: str, name: str, max_height: float = CHART_MAX_HEIGHT, min_shrink: float = MIN_SHRINK
    ) -> list[Flowable]:
        path = self.images.get((scope, name))
        if path is None:
            return []
        self.charts.append(ChartImage(path, max_height, min_shrink, self.prepared.get(path)))
        return [self.charts[-1]]

    def table(self, header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        """A grid of text in grey rules with a grey header row (repeated on every page it spans); headers wrap
        between words only (see `header_widths`)."""
        cells = [[Paragraph(escape(h), self.styles.cell_bold) for h in header]]
        cells += [[Paragraph(escape(str(v)), self.styles.cell) for v in row] for row in rows]
        table = Table(
            cells, colWidths=header_widths(header, widths, self.styles.cell_bold), repeatRows=1, hAlign="LEFT"
        )
        header_rules = [("BACKGROUND", (0, 0), (-1, 0), GREY_FILL), ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black)]
        table.setStyle(TableStyle(grey_rules(2) + header_rules))
        return table

    def key_values(self, rows: list[tuple[str, str, str]]) -> Table:
        """Label, value (bold) and a note per row."""
        cells = [
            [
                Paragraph(escape(label), self.styles.cell),
                Paragraph(escape(value), self.styles.cell_bold),
                Paragraph(escape(note), self.styles.cell),
            ]
            for label, value, note in rows
        ]
        table = Table(cells, colWidths=[0.3 * FRAME_WIDTH, 0.25 * FRAME_WIDTH, 0.45 * FRAME_WIDTH], hAlign="LEFT")
        table.setStyle(TableStyle(grey_rules(3)))
        return table

    def projection(self, status: str, reached_on: Any) -> str:
        return self.t(f"projection.{status}", date=self.date(reached_on))

    def yes_no(self, flag: Any) -> str:
        return self.t("yes" if bool(flag) else "no")

    def weighting(self) -> str:
        return self.t(f"weighting.{self.report.weighting}")

    # --- pages ---

    def cover(self) -> list[Flowable]:
        """The first page: title, the round in one line, then the steering summary in plain words."""
        report, info = self.report, self.report.round
        if self.content.national:
            subtitle = self.t("subtitle.national", round=info["label"])
            summary = steering_summary(report)
        else:
            part = self.content.regions[0]
            subtitle = self.t("subtitle.region", name=part.name, code=part.code, round=info["label"])
            summary = steering_summary(report, part.code, part.without_return)
        meta = self.t(
            "summary.meta",
            round=info["label"],
            reference_date=self.date(info["reference_date"]),
            deadline=self.date(info["deadline"]),
            state=self.t("round.open" if info["is_open"] else "round.closed"),
            made=f"{self.date(self.content.made_at.date())} {self.content.made_at.strftime('%H:%M')}",
        )
        flow: list[Flowable] = [
            Spacer(1, 8 * mm),
            Paragraph(escape(self.t("title")), self.styles.title),
            Paragraph(escape(subtitle), self.styles.body),
            self.para(meta),
        ]
        if self.content.demo:
            flow.append(self.para(self.t("demo.banner"), self.styles.notice))
        flow += [
            Paragraph(escape(self.t("summary.title")), self.styles.h1),
            self.para(summary.headline.line, self.styles.headline),
            self.para(summary.headline.trajectory),
            self.bullet(summary.on_track),
            self.bullet(summary.gaps_intro),
            *[self.para(f"{name}: {text}", self.styles.sub_bullet) for name, text in summary.gaps],
            self.bullet(summary.weakest),
            self.bullet(summary.completeness),
            *[self.para(text, self.styles.sub_bullet) for text in summary.missing],
            self.bullet(self.t("summary.weighting", weighting=self.weighting())),
            Spacer(1, 4 * mm),
            self.para(self.t("cover.about")),
        ]
        return flow

    def bullet(self, text: str) -> Paragraph:
        return Paragraph(escape(text), self.styles.bullet, bulletText="•")

    def contents(self) -> list[Flowable]:
        toc = TableOfContents(dotsMinLevel=0)
        toc.levelStyles = list(self.styles.toc)
        return [Paragraph(escape(self.t("contents")), self.styles.contents), toc]

    def h1(self, key: str, **values: object) -> list[Flowable]:
        return [PageBreak(), Paragraph(escape(self.t(key, **values)), self.styles.h1)]

    def national_status(self) -> list[Flowable]:
        report, national = self.report, self.report.national
        days = int(national["days_to_target"])
        target = report.target
        rows = [
            (
                self.t("kpi.coverage"),
                self.pct(national["coverage"]),
                self.t(
                    "kpi.coverage.note",
                    reporting=self.pct(national["coverage_reporting"]),
                    weighting=self.weighting(),
                ),
            ),
            (self.t("kpi.target"), self.pct(national["target"]), self.date(report.round["reference_date"])),
            (self.t("kpi.national_on_track"), self.yes_no(national["on_track"]), ""),
            (
                self.t("kpi.on_track"),
                f"{national['regions_on_track']}/{national['n_regions']}",
                self.t("kpi.on_track.note", target=self.pct(national["target"])),
            ),
            (
                self.t("kpi.completeness"),
                self.pct(national["completeness"]),
                self.t("kpi.completeness.note", returns=national["n_returns"], expected=national["n_expected"]),
            ),
            (
                self.t("kpi.time_left"),
                self.t("kpi.time_left.value", days=integer(days, self.lang))
                if days > 0
                else self.t("kpi.time_left.passed"),
                self.t("kpi.time_left.note", end=self.date(target.end), value=self.pct(target.value)),
            ),
            (
                self.t("kpi.projection"),
                self.projection(national["projection"].status, national["projection"].reached_on),
                "",
            ),
        ]
        intro = self.t(
            "national.intro",
            start=self.date(target.start),
            end=self.date(target.end),
            value=self.pct(target.value),
        )
        flow = [*self.h1("h.national", year=target.end.year), self.para(intro), self.key_values(rows)]
        flow.append(Spacer(1, 5 * mm))
        if national["n_returns"] == 0:
            return [*flow, self.para(self.t("no_returns"))]
        return flow + self.chart(NATIONAL, "trajectory", FRAME_HEIGHT * 0.5)

    def map_pages(self) -> list[Flowable]:
        flow = [*self.h1("h.map"), self.para(self.t("map.intro"))]
        flow += self.chart(NATIONAL, "map_regions", FRAME_HEIGHT * 0.85)
        return [*flow, PageBreak(), *self.chart(NATIONAL, "map_municipalities")]

    def returns_page(self) -> list[Flowable]:
        return [*self.h1("h.returns"), self.para(self.t("returns.intro")), *self.chart(NATIONAL, "returns")]

    def regions_pages(self) -> list[Flowable]:
        flow = [*self.h1("h.regions"), self.para(self.t("regions.intro")), *self.chart(NATIONAL, "ranking")]
        header = [
            self.t("col.rank"),
            self.t("col.region"),
            self.t("col.coverage"),
            self.t("col.target"),
            self.t("kpi.region_on_track"),
            self.t("col.completeness"),
            self.t("col.projection"),
        ]
        rows = [
            [
                "–" if pd.isna(row.rank) else str(row.rank),
                f"{row.region_name} ({row.region_code})",
                self.pct(row.coverage) if row.n_returns else self.t("no_return"),
                self.pct(row.target),
                self.yes_no(row.on_track) if row.n_returns else "–",
                f"{self.pct(row.completeness)} ({row.n_returns}/{row.n_expected})",
                self.projection(row.projection_status, row.projected_date),
            ]
            for row in self.report.regions.sort_values(["rank", "region_name"]).itertuples()
        ]
        widths = [0.05, 0.27, 0.1, 0.1, 0.08, 0.17, 0.23]
        return [*flow, CondPageBreak(40 * mm), self.table(header, rows, widths)]

    def groups_pages(self) -> list[Flowable]:
        flow = [*self.h1("h.groups"), self.para(self.t("groups.intro"))]
        flow += self.chart(NATIONAL, "groups", FRAME_HEIGHT * 0.42)
        flow += self.chart(NATIONAL, "continuum", FRAME_HEIGHT * 0.42)
        rows = []
        for key, frame, column in (
            ("col.group", self.report.groups, "group_code"),
            ("col.level", self.report.levels, "level_code"),
        ):
            national = frame[frame["scope"] == NATIONAL]
            rows += [  # a level is known by its letter (a-e); a group by its name only, never its internal code
                [
                    self.t(key),
                    f"{getattr(r, column)} · {r.name}" if column == "level_code" else str(r.name),
                    self.pct(r.coverage),
                    self.pct(r.coverage_reporting),
                ]
                for r in national.itertuples()
            ]
        header = [
            "",
            self.t("col.group") + " / " + self.t("col.level"),
            self.t("col.coverage"),
            self.t("col.reporting"),
        ]
        return [*flow, KeepTogether(self.table(header, rows, [0.14, 0.5, 0.16, 0.2]))]

    def weakest_pages(self) -> list[Flowable]:
        weakest = self.report.weakest_points
        flow = [*self.h1("h.weakest", count=len(weakest)), self.para(self.t("weakest.intro"))]
        flow += self.chart(NATIONAL, "weakest_points", FRAME_HEIGHT * 0.45)
        header = [self.t(f"col.{key}") for key in ("point", "title", "level", "share", "answers")]
        rows = [
            [
                str(r.point_number),
                str(r.title),
                r.level_code or self.t("level.general"),
                self.pct(r.share),
                f"{r.n_implemented} / {r.n_applicable}",
            ]
            for r in weakest.itertuples()
        ]
        flow.append(self.table(header, rows, [0.07, 0.5, 0.1, 0.12, 0.21]))
        flow.append(Spacer(1, 4 * mm))
        for r in weakest.itertuples():
            text = self.content.point_text(r.framework_version, r.point_number)
            heading = Paragraph(f"{int(r.point_number)}. {escape(str(r.title))}", self.styles.h3)
            flow.append(KeepTogether([heading, self.para(text)]))
        return flow

    def change_sentence(self, counts: dict[str, Any] | None) -> str:
        """Change since the previous round in words, or why there is none."""
        previous = self.report.previous_round
        if previous is None:
            return self.t("change.none")
        if not counts or not counts.get("n_compared"):
            return self.t("change.no_compared", previous=previous)
        return self.t("change.sentence", previous=previous, **counts)

    def change_pages(self) -> list[Flowable]:
        flow = [*self.h1("h.change"), self.para(self.change_sentence(self.report.changes_national))]
        return flow + self.chart(NATIONAL, "change")

    def region_page(self, part: RegionPart, *, new_page: bool = True) -> list[Flowable]:
        row, national = part.row, self.report.national
        level = self.styles.h2 if self.content.national else self.styles.h1  # under "Per region", or on its own
        heading = Paragraph(escape(self.t("h.region", name=part.name, code=part.code)), level)
        rows = [
            (
                self.t("kpi.region_coverage"),
                self.pct(row["coverage"]) if int(row["n_returns"]) else self.t("no_return"),
                self.t("kpi.vs_national", value=self.pct(national["coverage"])),
            ),
            (
                self.t("kpi.region_completeness"),
                self.pct(row["completeness"]),
                self.t("kpi.completeness.note", returns=int(row["n_returns"]), expected=int(row["n_expected"])),
            ),
            (
                self.t("kpi.region_on_track"),
                self.yes_no(row["on_track"]),
                self.t("kpi.on_track.note", target=self.pct(row["target"])),
            ),
            (
                self.t("kpi.projection"),
                self.projection(row["projection_status"], row["projected_date"]),
                rank_text(row["rank"], list(self.report.regions["rank"]), self.lang),
            ),
        ]
        flow: list[Flowable] = [PageBreak()] if new_page else []
        flow += [heading, self.key_values(rows), Spacer(1, 3 * mm)]
        returned = int(row["n_returns"]) > 0
        if returned:
            flow += self.chart(part.code, "continuum", REGION_PROFILE_HEIGHT)
        else:
            flow.append(self.para(self.t("region.no_returns")))
        if part.without_return:
            title = self.t("region.without_return", count=len(part.without_return))
            flow.append(
                KeepTogether([Paragraph(escape(title), self.styles.h3), self.para(", ".join(part.without_return))])
            )
        else:
            flow.append(self.para(self.t("region.all_returned")))
        if returned:
            flow.append(self.para(self.change_sentence(part.change)))
            flow += self.chart(part.code, "change", REGION_CHANGE_HEIGHT, REGION_MIN_SHRINK)
        return flow

    def method(self) -> list[Flowable]:
        """The method for readers, in the report's language: words first, each formula on its own line."""
        flow = [*self.h1("h.method"), self.para(self.t("method.intro"))]
        groups = self.report.groups[self.report.groups["scope"] == NATIONAL]["name"]
        levels = self.report.levels[self.report.levels["scope"] == NATIONAL]["level_code"]
        blocks = method_text(self.lang, self.report.target, len(self.report.points), list(groups), list(levels))
        for kind, text in blocks:
            style = {"h": self.styles.h2, "p": self.styles.body, "f": self.styles.formula}[kind]
            flow.append(self.para(text, style))
        return flow

    def sources(self) -> list[Flowable]:
        report, sources, lang = self.report, self.content.sources, self.lang
        scale = report.status_scale
        labels = [
            str(label) if math.isnan(value) else f"{int(value)} {label}"  # n.v.t. has no value
            for value, label in zip(scale["value"], scale[f"label_{lang}"], strict=True)
        ]
        weighting = self.weighting()
        if report.population_year:
            weighting += "; " + self.t("sources.population_year", year=report.population_year)
        items = [
            self.t("sources.data", points=len(report.points)),
            self.t("sources.framework", source=sources["framework"]),
            self.t("sources.scale", scale="; ".join(labels)),
            self.t("sources.geography", year=sources["division_year"], types=sources["region_types"]),
            self.t("sources.weighting", weighting=weighting),
            self.t("sources.map", credit=sources["map"]),
            self.t(
                "sources.target",
                start=self.date(report.target.start),
                end=self.date(report.target.end),
                value=self.pct(report.target.value),
            ),
            self.t("sources.version", version=report.data_version, round=report.round["label"]),
        ]
        flow = self.h1("h.sources")
        return flow + [Paragraph(escape(item), self.styles.bullet, bulletText="•") for item in items]

    def story(self) -> list[Flowable]:
        """Every page in order: cover, contents, national chapters (national export), regions, method, sources."""
        flow = [*self.cover(), NextPageTemplate("body"), PageBreak(), *self.contents()]
        if self.content.national:
            flow += self.national_status() + self.returns_page()
            if self.report.national["n_returns"] > 0:
                flow += self.map_pages() + self.regions_pages()
                flow += self.groups_pages() + self.weakest_pages() + self.change_pages()
            flow += [PageBreak(), Paragraph(escape(self.t("h.per_region")), self.styles.h1)]
        for index, part in enumerate(self.content.regions):
            flow += self.region_page(part, new_page=index > 0 or not self.content.national)
        return flow + self.method() + self.sources()


# --- writing --------------------------------------------------------------------------------------------------


def write_pdf(
    content: ExportContent, images: dict[tuple[str, str], Path], path: Path, prepared: PreparedImages | None = None
) -> Path:
    """Write the report of `content` to `path`; `images` maps (scope, chart name) to the chart's PNG, `prepared`
    any of those PNGs to its stream being made by `prepare_image` (the others ReportLab makes itself)."""
    builder = Builder(content, images, prepared or {})
    lang = builder.lang
    scope = _t("scope.national", lang) if content.national else content.regions[0].name
    header = _t("header", lang, round=content.report.round["label"], scope=scope)
    footer = _t("footer", lang, date=long_date(content.made_at.date(), lang), source=t("footer.source", lang))
    document = ReportDocument(
        path,
        header,
        footer,
        _t("demo.mark", lang) if content.demo else None,
        title=f"{_t('title', lang)} — {content.report.round['label']}",
        author="RAAK Monitor (NJi)",
        subject=header,
        lang=lang,
    )
    story = builder.story()
    rl_config.useA85 = 0  # binary image streams: smaller, and fast without ReportLab's optional C accelerator

    # The contents take passes until their page numbers settle; images only cost time there, so those passes
    # leave them out (their sizes stay the same) and one last pass draws them.
    def draw_charts() -> None:
        for chart in builder.charts:
            chart.drawn = True

    document.on_settled = draw_charts
    document.multiBuild(story, canvasmaker=numbered_canvas(lambda page, n: _t("page", lang, page=page, total=n)))
    return path
