"""Static chart images: one headless Chromium per export, started by kaleido, drawing every chart with plotly.js.

Kept apart from the numbers and documents (`bundle`) and light to import (no pandas, no database), so `raak export`
starts Chromium before it loads the rest: Chromium's start (~2 s) overlaps Python's imports. The system Chromium is
used through BROWSER_PATH (set to /usr/bin/chromium when unset).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any

from dashboard.exports.content import Chart, ExportError
from dashboard.exports.formats import BY_NAME, FORMATS

IMAGE_FORMATS = tuple(fmt.name for fmt in FORMATS if fmt.per_chart)
PRINT_WIDTH_PX = 800  # a chart's layout width: printed 17 cm wide, a 12 px label is about 7 pt
PRINT_SCALE = 2.5  # 800 px × 2.5 = 2000 px over 17 cm ≈ 300 dpi
MIN_RENDER_TABS = 2  # Chromium tabs drawing images side by side, at least (one waits on Python while one draws)
RENDER_TIMEOUT_SECONDS = 120  # per chart; also how long a tab may take to load the page
PAGE_READY_POLL_SECONDS = 0.02
PAGE_READY = 'typeof window.raakDraw === "function"'  # the export's page has loaded plotly.js and draw_charts.js
BROWSER_PATH_ENV = "BROWSER_PATH"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
DRAW_SCRIPT = Path(__file__).with_name("draw_charts.js")  # raakDraw: every format of a chart from one drawing
# Added to kaleido's Chromium flags: headless Chromium still loads the address bar's two pop-up pages in a renderer
# of their own (~0.6 s of a core at every start) and reaches out to the network in the background; an export needs
# neither. A browser that does not know a feature name ignores it.
CHROMIUM_FLAGS = ("--disable-background-networking", "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup")

log = logging.getLogger(__name__)


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

    Chromium starts as soon as the renderer is made (~1.5-2 s), so it starts while Python loads its modules (`raak
    export`), gathers the numbers and builds the figures; each chart is asked for with `draw` and comes back as a
    future, so a chart is drawn while the next one is built and the workbook is written while the charts are drawn.
    kaleido starts Chromium and opens a tab per core on a page with plotly.js and `draw_charts.js`; each chart is
    drawn once by that script's `raakDraw`, which returns the SVG and the PNG rasterised from it (kaleido's own
    calls draw a chart again for every format and reload the tab after every image). A missing Chromium is an
    ExportError from the first chart's future: an export without images never needs one. Leaving the `with` block
    cancels the charts not yet drawn and closes Chromium.
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
        self._ready_tabs: set[int] = set()  # id() of the tabs seen with the page loaded
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
        from choreographer.browsers.chromium import Chromium
        from choreographer.errors import ChromeNotFoundError

        class ExportChromium(Chromium):
            def get_cli(self) -> list[str]:
                return [*super().get_cli(), *CHROMIUM_FLAGS]

        self._stop = asyncio.Event()
        page = kaleido.PageGenerator(mathjax=False, others=[DRAW_SCRIPT.as_uri()])
        try:
            browser = kaleido.Kaleido(
                n=1,
                timeout=RENDER_TIMEOUT_SECONDS,
                page_generator=page,
                browser_cls=ExportChromium,
                enable_extensions=False,
            )
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
                if id(tab) not in self._ready_tabs:
                    await self._page_loaded(tab)
                    self._ready_tabs.add(id(tab))
                params = {"expression": expression, "awaitPromise": True, "returnByValue": True}
                answer = await asyncio.wait_for(
                    tab.tab.send_command("Runtime.evaluate", params=params), RENDER_TIMEOUT_SECONDS
                )
            finally:
                self._browser.tabs_ready.put_nowait(tab)
            _write_images(answer, paths)
        finally:
            self._drawing.discard(task)

    @staticmethod
    async def _page_loaded(tab: Any) -> None:
        """Wait until `tab` shows the export's page with `raakDraw`. kaleido hands a tab over on a load event it
        listens for from before it navigates, which can be the blank page the tab opened with: the first chart
        then met a page still loading ("raakDraw is not defined")."""
        deadline = asyncio.get_running_loop().time() + RENDER_TIMEOUT_SECONDS
        params = {"expression": PAGE_READY, "returnByValue": True}
        while True:
            answer = await tab.tab.send_command("Runtime.evaluate", params=params)
            if answer.get("result", {}).get("result", {}).get("value") is True:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise ExportError(f"Chromium did not load the page for the chart images in {RENDER_TIMEOUT_SECONDS} s")
            await asyncio.sleep(PAGE_READY_POLL_SECONDS)

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
