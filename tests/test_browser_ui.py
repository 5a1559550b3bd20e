"""What a person sees and clicks, in real headless Chromium over the demo database: each page renders once per
navigation, every RAAK point is clickable at desktop and phone width, no chart label overlaps another or is
cut off by its chart (issue 10, defects), and no table cuts its text off."""

from __future__ import annotations

import json
from typing import Any

import pytest
from corpus.browser import BROWSER_LOGGED_IN, WINDOW, headless_chromium, login, open_page, screenshot, wait_for_page
from corpus.demo import DEMO_PASSWORD
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = BROWSER_LOGGED_IN

SETTLED_POLLS = 4  # consecutive polls without a callback in flight before a page counts as settled
POLL_SECONDS = 0.5
ROUTER_OUTPUT = "..header.children...banner.children...page.children.."
# Counts every Dash callback request the page sends: output, and whether one is still in flight.
CALL_COUNTER = """
window.__dashCalls = []; window.__dashPending = 0;
const originalFetch = window.fetch;
window.fetch = function (url, options) {
  if (!String(url).includes('_dash-update-component')) { return originalFetch.apply(this, arguments); }
  window.__dashCalls.push(JSON.parse(options.body).output);
  window.__dashPending += 1;
  return originalFetch.apply(this, arguments).finally(() => { window.__dashPending -= 1; });
};
"""
PAGES = ("/", "/regio/GG3406", "/gemeente/GM0363", "/punten", "/aanlevering", "/export", "/upload", "/beheer")


@pytest.fixture(scope="module")
def counting(browser: Any) -> Any:
    """The browser with CALL_COUNTER installed in every document it opens from now on."""
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CALL_COUNTER})
    return browser


def settle(driver: Any) -> list[str]:
    """Wait until no callback has been in flight for SETTLED_POLLS polls; the outputs of every call sent."""
    quiet = {"polls": 0}

    def settled(d: Any) -> bool:
        quiet["polls"] = quiet["polls"] + 1 if d.execute_script("return window.__dashPending") == 0 else 0
        return quiet["polls"] >= SETTLED_POLLS

    WebDriverWait(driver, 120, poll_frequency=POLL_SECONDS).until(settled)
    return list(driver.execute_script("return window.__dashCalls"))


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_once_per_navigation(counting: Any, base_url: str, path: str) -> None:
    counting.get(f"{base_url}{path}")
    wait_for_page(counting, path)
    calls = settle(counting)
    assert calls.count(ROUTER_OUTPUT) == 1, json.dumps(calls)
    assert len(calls) == len(set(calls)), f"a callback ran more than once: {json.dumps(calls)}"
    assert "ronde=" not in counting.current_url  # nobody rewrote the address the person typed


@pytest.mark.parametrize(("lang", "decimal", "other"), [("nl", ",", "."), ("en", ".", ",")])
def test_tables_show_decimals_as_the_cards_do(
    browser: Any,
    base_url: str,
    lang: str,
    decimal: str,
    other: str,
) -> None:
    open_page(browser, base_url, "/regio/GG0111", f"?ronde=2011&lang={lang}", round_label="2011", lang=lang)
    cells = WebDriverWait(browser, 60).until(
        lambda d: [
            cell.text
            for cell in d.find_elements(By.CSS_SELECTOR, "#municipality-table [col-id='coverage_percent']")
            if cell.get_attribute("role") == "gridcell"
        ]
    )
    numbers = [cell for cell in cells if cell != "–"]
    assert numbers and all(decimal in cell and other not in cell for cell in numbers), cells


# Whether the element is what a click at its centre hits (scrolled into view first): visible and not covered.
HIT_TEST = """
const link = arguments[0];
link.scrollIntoView({block: 'center', inline: 'center'});
const box = link.getBoundingClientRect();
const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
return box.width > 0 && box.height > 0 && box.right <= window.innerWidth + 1 && (hit === link || link.contains(hit));
"""


@pytest.mark.parametrize("width", [1280, 390])
def test_all_35_points_are_visible_and_clickable(browser: Any, base_url: str, width: int) -> None:
    browser.set_window_size(width, 900)
    try:
        open_page(browser, base_url, "/punten", "?ronde=2011", round_label="2011")
        links = {n: browser.find_element(By.ID, f"point-link-{n}") for n in range(1, 36)}
        covered = [n for n, link in links.items() if not browser.execute_script(HIT_TEST, link)]
        assert not covered, f"points hidden or covered at {width} px: {covered}"
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", links[35])
        links[35].click()
        wait_for_page(browser, "/punten", round_label="2011")
        WebDriverWait(browser, 60).until(lambda d: "punt=35" in d.current_url)
        screenshot(browser, f"framework-{width}px")
    finally:
        browser.set_window_size(*WINDOW)


# The text of every table cell and header that is wider than its box: cut off, with "…" at its end.
CUT_TABLE_TEXT = """
return [...document.querySelectorAll('.ag-cell-value, .ag-header-cell-text')]
  .filter(e => e.textContent.trim() && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.textContent.trim().slice(0, 60));
"""
GRID_PAGES = (  # (path, more of the query): a page with a table
    ("/regio/GG0111", ""),
    ("/gemeente/GM0363", ""),
    ("/punten", "&punt=12"),
    ("/aanlevering", ""),
    ("/beheer", ""),
)
TABLE_WIDTHS = (1280, 390)


def cut_table_text(driver: Any) -> list[str]:
    """The table texts cut off on the page, once its first table has rows."""
    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".ag-cell-value"))
    return list(driver.execute_script(CUT_TABLE_TEXT))


@pytest.mark.parametrize("width", TABLE_WIDTHS)
@pytest.mark.parametrize(("path", "query"), GRID_PAGES)
def test_no_table_cuts_its_text_off(browser: Any, base_url: str, path: str, query: str, width: int) -> None:
    """Columns were shared out evenly and cut what did not fit ("te laat: dea…", "Gewijzig…"); a column is now at
    least as wide as its longest word and wraps between words."""
    browser.set_window_size(width, 900)
    try:
        open_page(browser, base_url, path, f"?ronde=2011{query}", round_label="2011")
        assert not cut_table_text(browser), f"cut off at {width} px on {path}"
    finally:
        browser.set_window_size(*WINDOW)


HEADER_OVERFLOW = "const h = document.getElementById('header'); return h.scrollWidth - h.clientWidth"


@pytest.mark.parametrize("path", ["/", "/beheer"])
def test_the_header_fits_a_phone(browser: Any, base_url: str, path: str) -> None:
    """At 390 px the navigation and the user's name ran 250 px past the screen, so the whole page scrolled
    sideways; they wrap onto more lines now."""
    browser.set_window_size(390, 844)
    try:
        open_page(browser, base_url, path, "?ronde=2011", round_label="2011")
        overflow = browser.execute_script(HEADER_OVERFLOW)
        assert overflow <= 1, f"the header is {overflow} px wider than the screen"
    finally:
        browser.set_window_size(*WINDOW)


@pytest.mark.parametrize("width", TABLE_WIDTHS)
def test_my_region_table_shows_each_state_whole(base_url: str, width: int) -> None:
    """A coordinator read "te laat: dea…" for the municipality that mattered most."""
    with headless_chromium((width, 900)) as driver:
        login(driver, base_url, "coordinator@demo.raak", DEMO_PASSWORD)
        wait_for_page(driver, "/mijn-regio")
        assert not cut_table_text(driver), f"cut off at {width} px"


# Every label of every chart (title, subtitle, legend, annotations, ticks, axis titles) against every other one
# and against its chart's box: what overlaps or sticks out, as readable lines.
LABEL_CLASHES = """
const TOL = 1;  // px: touching is fine
const result = [];
for (const plot of document.querySelectorAll('.js-plotly-plot')) {
  const frame = plot.getBoundingClientRect();
  const name = (plot._fullLayout && plot._fullLayout.title && plot._fullLayout.title.text || '').slice(0, 40);
  const texts = [...plot.querySelectorAll(
    '.infolayer text, .xtick text, .ytick text, .g-xtitle text, .g-ytitle text, .annotation text, .legendtext'
  )].filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  const boxes = texts.map(t => ({t: t.textContent.trim().slice(0, 40), b: t.getBoundingClientRect()}));
  for (const {t, b} of boxes) {
    const outside = b.left < frame.left - TOL || b.right > frame.right + TOL;
    if (outside || b.top < frame.top - TOL || b.bottom > frame.bottom + TOL) {
      result.push(`${name}: clipped "${t}"`);
    }
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].b, c = boxes[j].b;
    const w = Math.min(a.right, c.right) - Math.max(a.left, c.left);
    const h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
    if (w > TOL && h > TOL) result.push(`${name}: "${boxes[i].t}" overlaps "${boxes[j].t}"`);
  }
}
return result;
"""
# the window as a reader first sees it; the README shows whole pages (test_accessibility_browser writes those)
ENGLISH_SCREENSHOTS = {
    "/": "national-en-window",
    "/regio/GG3406": "region-en-window",
    "/regio/GG5406": "region-no-return-en",
}
CHART_PAGES = (
    "/",
    "/?kaart=gemeenten",
    "/regio/GG3406",
    "/regio/GG5406",
    "/gemeente/GM0363",
    "/punten?punt=3",
    "/aanlevering",
)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", CHART_PAGES)
def test_no_chart_label_overlaps_another_or_is_cut_off(browser: Any, base_url: str, path: str, lang: str) -> None:
    address, _, query = path.partition("?")
    open_page(browser, base_url, address, f"?ronde=2011&lang={lang}&{query}", round_label="2011", lang=lang)
    assert browser.execute_script(LABEL_CLASHES) == []
    if lang == "en" and path in ENGLISH_SCREENSHOTS:
        screenshot(browser, ENGLISH_SCREENSHOTS[path])


def test_horizontal_bars_have_a_100_percent_tick(browser: Any, base_url: str) -> None:
    open_page(browser, base_url, "/", "?ronde=2011", round_label="2011")
    ticks = browser.execute_script(
        "return [...arguments[0].querySelectorAll('.xtick text')].map(t => t.textContent)",
        browser.find_element(By.CSS_SELECTOR, '[id*=\'"name":"ranking"\'] .js-plotly-plot'),
    )
    assert "100%" in ticks, ticks
