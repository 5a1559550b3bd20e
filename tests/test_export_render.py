"""Chart images of an export: one Chromium whose tabs draw image after image without reloading plotly.js."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import plotly.graph_objects as go
import pytest
from kaleido import Kaleido
from kaleido._kaleido_tab import _KaleidoTab

from dashboard.exports.content import Chart, ExportError
from dashboard.exports.render import (
    IMAGE_FORMATS,
    PRINT_SCALE,
    PRINT_WIDTH_PX,
    ChartRenderer,
    image_size,
    render_images,
)

FIRST_CHART_SECONDS = 30  # far above Chromium's start; the old renderer never drew before every tab had opened


def _bar_chart(name: str, height: int) -> Chart:
    figure = go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2]), layout={"height": height, "title": {"text": name}})
    return Chart("national", name, figure)


def test_every_image_is_drawn_without_reloading_a_tab(tmp_path: Path, monkeypatch) -> None:
    reloads: list[_KaleidoTab] = []
    reload = _KaleidoTab.reload

    async def counted_reload(tab: _KaleidoTab) -> None:
        reloads.append(tab)
        await reload(tab)

    monkeypatch.setattr(_KaleidoTab, "reload", counted_reload)
    charts = [_bar_chart(f"chart{n}", 300 + 20 * n) for n in range(3)]
    folders = {fmt: tmp_path / fmt for fmt in IMAGE_FORMATS}
    for folder in folders.values():
        folder.mkdir()
    drawn = 0

    def one_more() -> None:
        nonlocal drawn
        drawn += 1

    written = render_images(charts, folders, "2011", one_more)

    assert reloads == []
    assert drawn == len(charts) * len(IMAGE_FORMATS)
    for chart in charts:
        png, svg = written[(chart.scope, chart.name)]["png"], written[(chart.scope, chart.name)]["svg"]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png.read_bytes()[16:20], "big"), int.from_bytes(png.read_bytes()[20:24], "big")
        assert (width, height) == image_size(chart) == (round(PRINT_WIDTH_PX * PRINT_SCALE), round(chart.height * 2.5))
        text = svg.read_text(encoding="utf-8")
        assert text.startswith("<svg") and chart.name in text


class _Unreadable(go.Figure):
    """A figure whose JSON plotly.js cannot draw (no data, no layout)."""

    def to_json(self, *args: object, **kwargs: object) -> str:
        return "null"


def test_a_chart_chromium_cannot_draw_fails_the_export_naming_its_files(tmp_path: Path) -> None:
    chart = Chart("national", "broken", _Unreadable())
    with pytest.raises(ExportError, match=r"could not draw 2011_national_broken\.png, 2011_national_broken\.svg"):
        render_images([chart], {"png": tmp_path, "svg": tmp_path}, "2011")
    assert list(tmp_path.iterdir()) == []


def test_the_first_chart_is_drawn_before_the_other_tabs_have_opened(tmp_path: Path, monkeypatch) -> None:
    """Drawing starts on the first tab while the others still load plotly.js (each ~1 s of an export's start)."""
    opened = threading.Event()  # held shut until the first chart is drawn
    open_tab = Kaleido._create_kaleido_tab

    async def held_open_tab(browser: Kaleido) -> None:
        await asyncio.get_running_loop().run_in_executor(None, opened.wait)
        await open_tab(browser)

    monkeypatch.setattr(Kaleido, "_create_kaleido_tab", held_open_tab)
    chart = _bar_chart("first", 300)
    with ChartRenderer(2) as renderer:
        try:
            renderer.draw(chart, {"png": tmp_path / "first.png"}).result(timeout=FIRST_CHART_SECONDS)
        finally:
            opened.set()  # else Chromium could not close
        renderer.draw(chart, {"png": tmp_path / "second.png"}).result()
    assert (tmp_path / "first.png").read_bytes() == (tmp_path / "second.png").read_bytes()


def test_a_tab_that_fails_to_open_leaves_the_export_to_the_others(tmp_path: Path, monkeypatch) -> None:
    async def broken_tab(browser: Kaleido) -> None:
        raise RuntimeError("no second tab")

    monkeypatch.setattr(Kaleido, "_create_kaleido_tab", broken_tab)
    charts = [_bar_chart(f"chart{n}", 300) for n in range(3)]
    written = render_images(charts, {"png": tmp_path}, "2011")
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(p["png"].name for p in written.values())


def test_the_export_chromium_loads_no_browser_pages(tmp_path: Path) -> None:
    """Headless Chromium loads the address bar's pop-ups in a renderer of their own at start (~0.6 s of a core per
    export); the export's Chromium leaves them out and keeps only its drawing tabs."""
    with ChartRenderer(1) as renderer:
        renderer.draw(_bar_chart("one", 300), {"png": tmp_path / "one.png"}).result()
        asking = renderer._browser.send_command("Target.getTargets", params={"filter": [{}]})
        targets = asyncio.run_coroutine_threadsafe(asking, renderer._loop).result()["result"]["targetInfos"]
    assert targets and all(target["url"].startswith("file://") for target in targets), targets


def test_a_tab_handed_over_before_its_page_loaded_still_draws(tmp_path: Path, monkeypatch) -> None:
    """kaleido may hand a tab over before the export's page has loaded (its load event can be the blank page's;
    seen in CI as "raakDraw is not defined"): the renderer waits for the page instead of failing the export."""

    async def hasty_navigate(tab: _KaleidoTab, url: str = "") -> None:
        await tab.tab.send_command("Page.navigate", params={"url": url})  # no wait for the page to load

    monkeypatch.setattr(_KaleidoTab, "navigate", hasty_navigate)
    written = render_images([_bar_chart("early", 300)], {"png": tmp_path}, "2011")
    assert [paths["png"].exists() for paths in written.values()] == [True]
