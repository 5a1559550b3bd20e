"""Steering-group export of one round: a PDF report, every chart as PNG and SVG, and the numbers as Excel.

The numbers come from `dashboard.analytics.report` and the charts from `dashboard.figures.charts`, the functions the
dashboard pages use, so an export shows exactly what the dashboard shows. Static images are drawn by plotly.js in one
headless Chromium per export (`dashboard.exports.render`).
"""

from __future__ import annotations

import re
import tempfile
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from dashboard.analytics import queries as data
from dashboard.analytics.queries import is_demo_database
from dashboard.analytics.report import (
    RegionDetail,
    RoundReport,
    completeness_table,
    region_details,
    round_report,
)
from dashboard.exports.content import (
    NATIONAL,
    STEP_DONE,
    STEP_IMAGES,
    STEP_NUMBERS,
    Chart,
    ExportContent,
    ExportRequest,
    Progress,
    RegionPart,
    _no_progress,
)
from dashboard.exports.formats import BY_NAME, ExportFormat, Prepared, chosen, drawn_formats
from dashboard.exports.render import IMAGE_FORMATS, ChartRenderer, draw_charts, render_tabs, usable_cores
from etl.reference.geography import REFERENCE_DIR

MAP_CREDIT = re.compile(r'Credit: "([^"]+)"')

# --- gathering the numbers ------------------------------------------------------------------------------------


def _region_part(report: RoundReport, code: str, detail: RegionDetail) -> RegionPart:
    changes = report.changes_regions[report.changes_regions["region_code"] == code]
    municipalities = detail.municipalities.sort_values("municipality_name")
    return RegionPart(
        code=code,
        name=str(detail.region["region_name"]),
        row=detail.region,
        detail=detail,
        change=changes.iloc[0].to_dict() if not changes.empty else None,
        without_return=list(municipalities.loc[~municipalities["has_return"], "municipality_name"]),
    )


def _sources(engine: Engine, report: RoundReport) -> dict[str, str]:
    """Where the data come from: framework source, region division, map shapes (credits from SOURCES.md)."""
    with data.snapshot(engine) as conn:
        frameworks = data.framework_sources(conn, report.round["framework_versions"])
        region_types = sorted(set(data.regions(conn)["region_type"]))
    credits = MAP_CREDIT.findall((REFERENCE_DIR / "SOURCES.md").read_text(encoding="utf-8"))
    return {
        "framework": "; ".join(f"{source} ({version})" for version, source in frameworks),
        "division_year": str(report.round["division_year"]),
        "region_types": ", ".join(region_types),
        "map": "; ".join(dict.fromkeys(credits)),
    }


def collect(engine: Engine, request: ExportRequest) -> ExportContent:
    """The numbers of the export; a NotFoundError (a UserError) names an unknown round or region."""
    report = round_report(engine, request.round_label, lang=request.lang)
    codes = list(report.regions["region_code"])
    if request.region_code is not None and request.region_code not in codes:
        raise data.not_found("region", "regio", request.region_code, codes)
    chosen = [request.region_code] if request.region_code else codes
    details = region_details(engine, request.round_label, chosen, target=report.target, lang=request.lang)
    with data.snapshot(engine) as conn:
        points = data.points(conn, report.round["framework_versions"])
    return ExportContent(
        request=request,
        report=report,
        regions=[_region_part(report, code, details[code]) for code in chosen],
        completeness=completeness_table(engine, request.round_label),
        point_texts={
            (str(v), int(n)): str(t)
            for v, n, t in zip(points["framework_version"], points["point_number"], points["text_nl"], strict=True)
        },
        sources=_sources(engine, report),
        demo=is_demo_database(engine),
    )


# --- the charts -----------------------------------------------------------------------------------------------


def national_charts(content: ExportContent) -> list[Chart]:
    """The national charts: trajectory, both maps, ranking, groups, continuum, weakest points, returns, change."""
    from dashboard.figures import charts as figures  # plotly loads only when an export draws charts

    report, lang = content.report, content.request.lang
    label, weighting = report.round["label"], report.weighting
    kwargs: dict[str, Any] = {"round_label": label, "lang": lang}
    groups = report.groups[report.groups["scope"] == NATIONAL]
    levels = report.levels[report.levels["scope"] == NATIONAL]
    shapes = data.municipality_geojson(int(report.round["division_year"]))
    goal = report.national["target"]  # the trajectory's value at the reference date
    return [
        Chart(NATIONAL, "trajectory", figures.trajectory_figure(report.trajectory, weighting=weighting, **kwargs)),
        Chart(
            NATIONAL,
            "map_regions",
            figures.region_map_figure(
                report.regions, report.municipalities, shapes, weighting=weighting, printed=True, **kwargs
            ),
        ),
        Chart(
            NATIONAL,
            "map_municipalities",
            figures.municipality_map_figure(report.municipalities, shapes, printed=True, **kwargs),
        ),
        Chart(
            NATIONAL,
            "ranking",
            figures.region_ranking_figure(
                report.regions, target_value=report.national["target"], weighting=weighting, **kwargs
            ),
        ),
        Chart(
            NATIONAL, "groups", figures.group_coverage_figure(groups, weighting=weighting, target_value=goal, **kwargs)
        ),
        Chart(
            NATIONAL,
            "continuum",
            figures.level_profile_figure(levels, weighting=weighting, target_value=goal, **kwargs),
        ),
        Chart(NATIONAL, "weakest_points", figures.weakest_points_figure(report.weakest_points, **kwargs)),
        Chart(NATIONAL, "returns", figures.completeness_figure(content.completeness.regions, **kwargs)),
        Chart(
            NATIONAL,
            "change",
            figures.change_figure(
                report.changes_regions,
                label_column="region_name",
                previous_round=report.previous_round,
                **kwargs,
            ),
        ),
    ]


def region_charts(content: ExportContent, part: RegionPart) -> list[Chart]:
    """One region's charts: its continuum profile beside the national one, and its change per municipality; none
    while the region has no returns (its line would only show zeros)."""
    if int(part.row["n_returns"]) == 0:
        return []
    from dashboard.figures import charts as figures

    report, lang = content.report, content.request.lang
    kwargs: dict[str, Any] = {"round_label": report.round["label"], "lang": lang}
    return [
        Chart(
            part.code,
            "continuum",
            figures.level_profile_figure(
                part.detail.levels,
                weighting=report.weighting,
                target_value=report.national["target"],
                region_code=part.code,
                region_name=part.name,
                **kwargs,
            ),
        ),
        Chart(
            part.code,
            "change",
            figures.change_figure(
                part.detail.changes,
                label_column="municipality_name",
                previous_round=report.previous_round,
                **kwargs,
            ),
        ),
    ]


def export_charts(content: ExportContent) -> list[Chart]:
    """Every chart of the export, leaving out those without data (a figure with no traces only says so)."""
    charts = national_charts(content) if content.national else []
    for part in content.regions:
        charts += region_charts(content, part)
    return [chart for chart in charts if chart.figure.data]


# --- the whole export -----------------------------------------------------------------------------------------


def build_export(
    engine: Engine,
    request: ExportRequest,
    out: Path,
    progress: Progress | None = None,
    renderer: ChartRenderer | None = None,
) -> list[Path]:
    """Write the export into folder `out` (created when missing); returns the files written, PDF and Excel first.

    `progress(done, total, step)` is called after every step: the numbers, each image, the PDF, the workbook.
    The charts are drawn by `renderer` when given (started by the caller, which closes it), else by a Chromium
    started here when the formats draw any.
    """
    report_progress = progress or _no_progress
    formats = set(request.formats)
    documents = [fmt for fmt in chosen(formats) if not fmt.per_chart]
    image_formats = drawn_formats(formats)
    lock = threading.Lock()  # images report from Chromium's thread, documents from this one
    done, total = 0, 0

    def step(name: str) -> None:
        nonlocal done
        with lock:
            done += 1
            report_progress(done, total, name)

    # Left in reverse order: Chromium first (cancelling the images not drawn yet), then the threads that wait on it.
    with ExitStack() as stack:
        # PNGs are prepared for the PDF on a thread per core: decoding and compressing let go of the GIL, and the
        # last images drawn would otherwise queue behind one thread while Chromium has finished.
        preparing = stack.enter_context(
            ThreadPoolExecutor(max_workers=usable_cores(), thread_name_prefix="raak-export-png")
        )
        writing = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="raak-export-document"))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="raak-export-")))
        if renderer is None and image_formats:  # Chromium starts now, while the numbers are gathered
            renderer = stack.enter_context(ChartRenderer(render_tabs()))
        content = collect(engine, request)
        charts = export_charts(content) if image_formats else []
        total = 1 + len(charts) * len(image_formats) + len(documents)
        step(STEP_NUMBERS)
        out.mkdir(parents=True, exist_ok=True)  # only once the round and region are known to exist
        # A document that places no image (the workbook) is written on a second thread while Chromium draws (its
        # processes do the drawing, so this thread mostly waits); the others once their images are drawn.
        early = {
            fmt.name: writing.submit(_write, fmt, content, {}, out / fmt.filename(request.stem), {})
            for fmt in documents
            if fmt.places is None
        }
        folders = {fmt: out if fmt in formats else scratch for fmt in image_formats}
        images: dict[tuple[str, str], dict[str, Path]] = {}
        drawn: list[Future[None]] = []
        if renderer is not None and charts:
            images, drawn = draw_charts(charts, folders, request.round_label, renderer, lambda: step(STEP_IMAGES))
        prepared = _prepare_pngs(images, drawn, preparing)
        for chart_drawn in drawn:
            chart_drawn.result()
        written: dict[str, Path] = {}
        for fmt in documents:
            if fmt.places is not None:
                placed_images = {key: paths[fmt.places] for key, paths in images.items()}
                written[fmt.name] = _write(fmt, content, placed_images, out / fmt.filename(request.stem), prepared)
                step(fmt.step)
        for name, document in early.items():
            written[name] = document.result()
            step(BY_NAME[name].step)
    files = [written[fmt.name] for fmt in documents]
    files += [paths[fmt] for paths in images.values() for fmt in IMAGE_FORMATS if fmt in formats and fmt in paths]
    report_progress(total, total, STEP_DONE)
    return files


def _prepare_pngs(
    images: dict[tuple[str, str], dict[str, Path]], drawn: list[Future[None]], preparing: ThreadPoolExecutor
) -> Prepared:
    """Each chart's PNG made ready for the PDF (`pdf.prepare_image`) on a worker thread as soon as it is drawn."""
    if not images:
        return {}  # an export without charts never loads the PDF module (ReportLab, Dash's html for summaries)
    from dashboard.exports.pdf import prepare_image

    def prepare(path: Path, future: Future[None]) -> Any:
        future.result()
        return prepare_image(path)

    return {
        paths["png"]: preparing.submit(prepare, paths["png"], future)
        for paths, future in zip(images.values(), drawn, strict=True)
        if "png" in paths
    }


def _write(
    fmt: ExportFormat, content: ExportContent, images: dict[tuple[str, str], Path], path: Path, prepared: Prepared
) -> Path:
    """One document format's file."""
    if fmt.write is None:
        raise ValueError(f"{fmt.name} is a chart format, drawn by render_images")
    return fmt.write(content, images, path, prepared)


def zip_files(files: list[Path], target: Path) -> Path:
    """One zip of `files` (flat, by name); PNGs are stored as they are, the rest compressed."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in files:
            kind = zipfile.ZIP_STORED if path.suffix == ".png" else zipfile.ZIP_DEFLATED
            archive.write(path, arcname=path.name, compress_type=kind)
    return target
