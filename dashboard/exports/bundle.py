"""Steering-group export of one round: a PDF report, every chart as PNG and SVG, and the numbers as Excel.

The numbers come from `dashboard.analytics.report` and the charts from `dashboard.figures.charts`, the functions the
dashboard pages use, so an export shows exactly what the dashboard shows. Static images are drawn by kaleido in one
headless
Chromium session per export: the system Chromium through BROWSER_PATH (set to /usr/bin/chromium when unset).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from dashboard.analytics import queries as data
from dashboard.analytics.queries import is_demo_database
from dashboard.analytics.report import (
    RoundReport,
    completeness_table,
    region_detail,
    round_report,
)
from dashboard.exports.content import (
    NATIONAL,
    STEP_DONE,
    STEP_IMAGES,
    STEP_NUMBERS,
    Chart,
    ExportContent,
    ExportError,
    ExportRequest,
    Progress,
    RegionPart,
    _no_progress,
)
from dashboard.exports.formats import BY_NAME, FORMATS, ExportFormat, chosen
from dashboard.figures import charts as figures
from etl.reference.geography import REFERENCE_DIR

IMAGE_FORMATS = tuple(fmt.name for fmt in FORMATS if fmt.per_chart)
PRINT_WIDTH_PX = 800  # a chart's layout width: printed 17 cm wide, a 12 px label is about 7 pt
PRINT_SCALE = 2.5  # 800 px × 2.5 = 2000 px over 17 cm ≈ 300 dpi
MIN_RENDER_TABS = 2  # Chromium tabs drawing images side by side, at least (one waits on Python while one draws)
RENDER_TIMEOUT_SECONDS = 120  # per image
BROWSER_PATH_ENV = "BROWSER_PATH"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
MAP_CREDIT = re.compile(r'Credit: "([^"]+)"')

# --- gathering the numbers ------------------------------------------------------------------------------------


def _region_part(engine: Engine, report: RoundReport, code: str) -> RegionPart:
    detail = region_detail(engine, report.round["label"], code, target=report.target, lang=report.lang)
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
    with data.snapshot(engine) as conn:
        points = data.points(conn, report.round["framework_versions"])
    return ExportContent(
        request=request,
        report=report,
        regions=[_region_part(engine, report, code) for code in chosen],
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
            figures.region_map_figure(report.regions, report.municipalities, shapes, weighting=weighting, **kwargs),
        ),
        Chart(NATIONAL, "map_municipalities", figures.municipality_map_figure(report.municipalities, shapes, **kwargs)),
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


# --- static images --------------------------------------------------------------------------------------------


def render_tabs(jobs: int) -> int:
    """How many Chromium tabs draw side by side: one per core this process may use (at least two), never more
    than there are images."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(jobs, max(MIN_RENDER_TABS, cores)))


def _browser_class() -> type[Any]:
    """kaleido's browser, made to reuse a tab without reloading plotly.js after every image.

    kaleido reloads a tab (parsing 4 MB of plotly.js again) after each image to start from a clean page; plotly's
    `toImage` already draws every figure on a fresh element that it removes afterwards, so the reload only costs
    time (more than half the drawing time of an export). An export stops at its first failed image, and its
    browser with it, so no tab is reused after a failure. Should a future kaleido drop this hook, the override is
    simply never called and every tab reloads as before.
    """
    import kaleido

    class ReusingKaleido(kaleido.Kaleido):
        """One Chromium for all charts of an export; a tab goes back to work right after its image."""

        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    return ReusingKaleido


def use_system_chromium() -> None:
    """Point kaleido at the system Chromium (BROWSER_PATH) unless the environment names another browser."""
    if not os.environ.get(BROWSER_PATH_ENV) and SYSTEM_CHROMIUM.exists():
        os.environ[BROWSER_PATH_ENV] = str(SYSTEM_CHROMIUM)


def image_size(chart: Chart) -> tuple[int, int]:
    """The pixel size of a chart's PNG: the print layout size times the print scale."""
    return round(PRINT_WIDTH_PX * PRINT_SCALE), round(chart.height * PRINT_SCALE)


async def _render(jobs: list[tuple[Chart, Path, str]], progress: Callable[[], None]) -> None:
    from choreographer.errors import ChromeNotFoundError

    try:
        browser = _browser_class()(n=render_tabs(len(jobs)), timeout=RENDER_TIMEOUT_SECONDS, mathjax=False)
    except ChromeNotFoundError as exc:
        raise ExportError(
            f"no Chromium found for the chart images ({exc}); install chromium or set {BROWSER_PATH_ENV} "
            "to a Chrome/Chromium binary"
        ) from exc
    # Each figure as a plain dict once, shared by its PNG and SVG (kaleido would copy a Figure once per image).
    specs = {id(chart): chart.figure.to_dict() for chart, _path, _fmt in jobs}
    async with browser:

        async def one(chart: Chart, path: Path, fmt: str) -> None:
            scale = PRINT_SCALE if fmt == "png" else 1  # an SVG is vector: its nominal size is the layout size
            opts = {"format": fmt, "width": PRINT_WIDTH_PX, "height": chart.height, "scale": scale}
            spec = {"fig": specs[id(chart)], "path": path, "opts": opts}
            await browser.write_fig_from_object(spec, cancel_on_error=True)
            progress()

        await asyncio.gather(*(one(*job) for job in jobs))


def render_images(
    charts: list[Chart],
    folders: dict[str, Path],
    round_label: str,
    progress: Callable[[], None] | None = None,
) -> dict[tuple[str, str], dict[str, Path]]:
    """Write every chart in each format of `folders` (format → folder), all in one Chromium with a tab per core.

    Returns (scope, name) → format → file.
    """
    if not charts or not folders:
        return {}
    use_system_chromium()
    written: dict[tuple[str, str], dict[str, Path]] = {}
    jobs: list[tuple[Chart, Path, str]] = []
    for chart in charts:
        for fmt, folder in folders.items():
            path = folder / f"{chart.stem(round_label)}{BY_NAME[fmt].extension}"
            written.setdefault((chart.scope, chart.name), {})[fmt] = path
            jobs.append((chart, path, fmt))
    asyncio.run(_render(jobs, progress or (lambda: None)))
    return written


# --- the whole export -----------------------------------------------------------------------------------------


def build_export(engine: Engine, request: ExportRequest, out: Path, progress: Progress | None = None) -> list[Path]:
    """Write the export into folder `out` (created when missing); returns the files written, PDF and Excel first.

    `progress(done, total, step)` is called after every step: the numbers, each image, the PDF, the workbook.
    """
    report_progress = progress or _no_progress
    formats = set(request.formats)
    documents = [fmt for fmt in chosen(formats) if not fmt.per_chart]
    placed = {fmt.places for fmt in documents}
    image_formats = [fmt for fmt in IMAGE_FORMATS if fmt in formats or fmt in placed]
    content = collect(engine, request)
    charts = export_charts(content) if image_formats else []
    total = 1 + len(charts) * len(image_formats) + len(documents)
    done = 1
    report_progress(done, total, STEP_NUMBERS)

    def image_done() -> None:
        nonlocal done
        done += 1
        report_progress(done, total, STEP_IMAGES)

    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    # A document that places no image (the workbook) is written on a second thread while Chromium draws (its
    # processes do the drawing, so this thread mostly waits); the others after the images.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="raak-export-document") as pool:
        early = {
            fmt.name: pool.submit(_write, fmt, content, {}, out / fmt.filename(request.stem))
            for fmt in documents
            if fmt.places is None
        }
        with tempfile.TemporaryDirectory(prefix="raak-export-") as scratch:
            folders = {fmt: out if fmt in formats else Path(scratch) for fmt in image_formats}
            images = render_images(charts, folders, request.round_label, image_done)
            for fmt in documents:
                if fmt.places is not None:
                    placed_images = {key: paths[fmt.places] for key, paths in images.items()}
                    written[fmt.name] = _write(fmt, content, placed_images, out / fmt.filename(request.stem))
                    done += 1
                    report_progress(done, total, fmt.step)
        for fmt in documents:
            if fmt.name in early:
                written[fmt.name] = early[fmt.name].result()
                done += 1
                report_progress(done, total, fmt.step)
    files = [written[fmt.name] for fmt in documents]
    files += [paths[fmt] for paths in images.values() for fmt in IMAGE_FORMATS if fmt in formats and fmt in paths]
    report_progress(total, total, STEP_DONE)
    return files


def _write(fmt: ExportFormat, content: ExportContent, images: dict[tuple[str, str], Path], path: Path) -> Path:
    """One document format's file."""
    if fmt.write is None:
        raise ValueError(f"{fmt.name} is a chart format, drawn by render_images")
    return fmt.write(content, images, path)


def zip_files(files: list[Path], target: Path) -> Path:
    """One zip of `files` (flat, by name); PNGs are stored as they are, the rest compressed."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in files:
            kind = zipfile.ZIP_STORED if path.suffix == ".png" else zipfile.ZIP_DEFLATED
            archive.write(path, arcname=path.name, compress_type=kind)
    return target
