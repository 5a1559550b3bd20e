"""Steering-group export of one round: a PDF report, every chart as PNG and SVG, and the numbers as Excel.

The numbers come from `dashboard.analytics.report` and the charts from `dashboard.figures.charts`, the functions the
dashboard pages use, so an export shows exactly what the dashboard shows. Static images are drawn by plotly.js in one
headless Chromium per export, started by kaleido: the system Chromium through BROWSER_PATH (set to /usr/bin/chromium
when unset).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
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
    ExportError,
    ExportRequest,
    Progress,
    RegionPart,
    _no_progress,
)
from dashboard.exports.formats import BY_NAME, FORMATS, ExportFormat, Prepared, chosen
from etl.reference.geography import REFERENCE_DIR

IMAGE_FORMATS = tuple(fmt.name for fmt in FORMATS if fmt.per_chart)
PRINT_WIDTH_PX = 800  # a chart's layout width: printed 17 cm wide, a 12 px label is about 7 pt
PRINT_SCALE = 2.5  # 800 px × 2.5 = 2000 px over 17 cm ≈ 300 dpi
MIN_RENDER_TABS = 2  # Chromium tabs drawing images side by side, at least (one waits on Python while one draws)
RENDER_TIMEOUT_SECONDS = 120  # per chart
BROWSER_PATH_ENV = "BROWSER_PATH"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
DRAW_SCRIPT = Path(__file__).with_name("draw_charts.js")  # raakDraw: every format of a chart from one drawing
MAP_CREDIT = re.compile(r'Credit: "([^"]+)"')

log = logging.getLogger(__name__)

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


# --- static images --------------------------------------------------------------------------------------------


def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def render_tabs(jobs: int | None = None) -> int:
    """How many Chromium tabs draw side by side: one per core this process may use (at least two), never more
    than there are images (when known)."""
    tabs = max(MIN_RENDER_TABS, usable_cores())
    return tabs if jobs is None else max(1, min(jobs, tabs))


def use_system_chromium() -> None:
    """Point kaleido at the system Chromium (BROWSER_PATH) unless the environment names another browser."""
    if not os.environ.get(BROWSER_PATH_ENV) and SYSTEM_CHROMIUM.exists():
        os.environ[BROWSER_PATH_ENV] = str(SYSTEM_CHROMIUM)


def image_size(chart: Chart) -> tuple[int, int]:
    """The pixel size of a chart's PNG: the print layout size times the print scale."""
    return round(PRINT_WIDTH_PX * PRINT_SCALE), round(chart.height * PRINT_SCALE)


class ChartRenderer:
    """One Chromium for all images of an export, on its own thread with its own event loop.

    Chromium starts as soon as the renderer is made (2-3 s), so it starts while Python gathers the numbers and
    builds the figures; each chart is asked for with `draw` and comes back as a future, so a chart is drawn while
    the next one is built and the workbook is written while the charts are drawn. kaleido starts Chromium and opens
    a tab per core on a page with plotly.js and `draw_charts.js`; each chart is drawn once by that script's
    `raakDraw`, which returns the SVG and the PNG rasterised from it (kaleido's own calls draw a chart again for
    every format and reload the tab after every image). A missing Chromium is an ExportError from the first
    chart's future: an export without images never needs one. Leaving the `with` block cancels the charts not
    yet drawn and closes Chromium.
    """

    def __init__(self, tabs: int) -> None:
        use_system_chromium()
        self._tabs = tabs
        self._loop = asyncio.new_event_loop()
        self._opened = threading.Event()
        self._browser: Any = None
        self._error: BaseException | None = None
        self._stop: asyncio.Event | None = None
        self._drawing: set[asyncio.Task[Any]] = set()
        self._thread = threading.Thread(target=self._run, name="raak-export-chromium", daemon=True)
        self._thread.start()

    def __enter__(self) -> ChartRenderer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        import kaleido
        from choreographer.errors import ChromeNotFoundError

        self._stop = asyncio.Event()
        page = kaleido.PageGenerator(mathjax=False, others=[DRAW_SCRIPT.as_uri()])
        try:
            browser = kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT_SECONDS, page_generator=page)
        except ChromeNotFoundError as exc:
            self._error = ExportError(
                f"no Chromium found for the chart images ({exc}); install chromium or set {BROWSER_PATH_ENV} "
                "to a Chrome/Chromium binary"
            )
            self._opened.set()
            return
        try:
            async with browser:
                self._browser = browser
                self._opened.set()
                # Drawing starts on the first tab; the others open meanwhile (each loads plotly.js, ~1 s) and join
                # kaleido's queue of ready tabs as they come. kaleido opens all its tabs before it lets go.
                opening = [asyncio.create_task(self._open_tab(browser)) for _ in range(self._tabs - 1)]
                await self._stop.wait()
                for task in opening:
                    task.cancel()
                await asyncio.gather(*opening, return_exceptions=True)
                await self._cancel_pending()
        except Exception as exc:  # handed to every image's future instead of lost on this thread
            self._error = self._error or exc
        finally:
            self._browser = None
            self._opened.set()

    @staticmethod
    async def _open_tab(browser: Any) -> None:
        """One more tab on the export's page (kaleido's own step when it opens a tab); the export goes on with the
        tabs it has if this one fails."""
        try:
            await browser._create_kaleido_tab()
        except Exception:
            log.warning("an extra Chromium tab for the chart images did not open", exc_info=True)

    async def _cancel_pending(self) -> None:
        """Cancel the images still waiting or being drawn (only ours: kaleido's own tasks close Chromium)."""
        pending = list(self._drawing)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _draw(self, expression: str, paths: dict[str, Path]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._drawing.add(task)
        try:
            if not self._opened.is_set():
                await asyncio.get_running_loop().run_in_executor(None, self._opened.wait)
            if self._browser is None:
                raise self._error or ExportError("Chromium stopped before the chart images were drawn")
            tab = await self._browser.tabs_ready.get()
            try:
                params = {"expression": expression, "awaitPromise": True, "returnByValue": True}
                answer = await asyncio.wait_for(
                    tab.tab.send_command("Runtime.evaluate", params=params), RENDER_TIMEOUT_SECONDS
                )
            finally:
                self._browser.tabs_ready.put_nowait(tab)
            _write_images(answer, paths)
        finally:
            self._drawing.discard(task)

    def draw(self, chart: Chart, paths: dict[str, Path]) -> Future[None]:
        """Draw `chart` once at the print size into `paths` (format → file): an SVG whose nominal size is the
        layout size (it is vector) and a PNG at PRINT_SCALE times it."""
        arguments = ", ".join(
            [chart.figure.to_json(), str(PRINT_WIDTH_PX), str(chart.height), str(PRINT_SCALE), json.dumps(list(paths))]
        )
        return asyncio.run_coroutine_threadsafe(self._draw(f"raakDraw({arguments})", paths), self._loop)

    def close(self) -> None:
        """Cancel what is not drawn yet, close Chromium and end the thread."""
        if self._thread.is_alive():
            self._opened.wait()
            if self._stop is not None:
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join()


def _write_images(answer: dict[str, Any], paths: dict[str, Path]) -> None:
    """Write the images of one `raakDraw` answer (Chromium's reply to Runtime.evaluate), or raise its error."""
    reply = answer.get("result", {})
    if "error" in answer or "exceptionDetails" in reply:
        details = answer.get("error") or reply["exceptionDetails"].get("exception", reply["exceptionDetails"])
        raise ExportError(f"Chromium could not draw {', '.join(p.name for p in paths.values())}: {details}")
    images = json.loads(reply["result"]["value"])
    for fmt, path in paths.items():
        data = images[fmt]
        path.write_bytes(data.encode("utf-8") if fmt == "svg" else base64.b64decode(data))


def _image_path(chart: Chart, folder: Path, fmt: str, round_label: str) -> Path:
    return folder / f"{chart.stem(round_label)}{BY_NAME[fmt].extension}"


def draw_charts(
    charts: list[Chart],
    folders: dict[str, Path],
    round_label: str,
    renderer: ChartRenderer,
    on_image: Callable[[], None] | None = None,
) -> tuple[dict[tuple[str, str], dict[str, Path]], list[Future[None]]]:
    """Ask for every chart in each format of `folders` (format → folder); `on_image` is called once per image
    written. Returns (scope, name) → format → file, and one future per chart."""
    images: dict[tuple[str, str], dict[str, Path]] = {}
    drawn: list[Future[None]] = []
    for chart in charts:
        paths = {fmt: _image_path(chart, folder, fmt, round_label) for fmt, folder in folders.items()}
        images[(chart.scope, chart.name)] = paths
        future = renderer.draw(chart, paths)
        if on_image is not None:
            for _ in paths:
                future.add_done_callback(lambda _done: on_image())
        drawn.append(future)
    return images, drawn


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
    with ChartRenderer(render_tabs(len(charts))) as renderer:
        images, drawn = draw_charts(charts, folders, round_label, renderer, progress)
        for future in drawn:
            future.result()
    return images


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
        # Chromium starts now, while the numbers are gathered and the figures built.
        renderer = stack.enter_context(ChartRenderer(render_tabs())) if image_formats else None
        content = collect(engine, request)
        charts = export_charts(content) if renderer else []
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
