"""WCAG 2.1 AA in real headless Chromium: axe-core on every page, in both languages, at 1280 px and 390 px wide;
every chart with a text alternative; every control reachable by keyboard; the coordinator's home and the target
headline as a user sees them.

axe-core is the npm package: `RAAK_AXE_PATH` names its `axe.min.js` (.ci/run installs it); without it the test
installs it with npm into a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from corpus.browser import (
    BROWSER_MARKS,
    SCREENSHOTS,
    headless_chromium,
    login,
    wait,
    wait_for_page,
)
from corpus.demo import DEMO_PASSWORD
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.figures import charts as figures
from dashboard.i18n import percentage_points

pytestmark = BROWSER_MARKS
webdriver = pytest.importorskip("selenium.webdriver")

ROUND = "2011"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
LANGS = ("nl", "en")
BLOCKING = ("serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_TABS = 1200  # Tab walks a data grid cell by cell; the walk stops when focus comes back to where it started
NJI_PAGES = ("/", "/regio/GG3406", "/gemeente/GM0363", "/punten", "/aanlevering", "/export", "/upload", "/beheer")
INTERACTIVE = (
    "a[href], summary, button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, "
    "[tabindex]:not([tabindex='-1'])"
)


@pytest.fixture(scope="module")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core's browser script: RAAK_AXE_PATH, else `npm install axe-core` into a temporary folder."""
    configured = os.environ.get("RAAK_AXE_PATH")
    if configured:
        return Path(configured).read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("axe-core needs RAAK_AXE_PATH or npm (Debian package npm) to install it")
    folder = tmp_path_factory.mktemp("axe")
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), "axe-core"], check=True)
    return (folder / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=list(WIDTHS))
def sized(request: pytest.FixtureRequest, base_url: str) -> Iterator[Any]:
    """A browser at 1280 px or 390 px, logged in as NJi (who may open every page but the coordinator's home)."""
    with headless_chromium(WIDTHS[request.param]) as driver:
        login(driver, base_url, "nji@demo.raak", DEMO_PASSWORD)
        yield driver


@pytest.fixture(scope="module")
def coordinator_browser(base_url: str) -> Iterator[Any]:
    with headless_chromium(WIDTHS["desktop"]) as driver:
        yield driver


def open_page(driver: Any, base_url: str, path: str, lang: str) -> None:
    query = f"?ronde={ROUND}" + ("&lang=en" if lang == "en" else "")
    driver.get(f"{base_url}{path}{query}")
    wait_for_page(driver, path, round_label=ROUND, lang=lang)


def axe_violations(driver: Any, source: str) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; the serious and critical violations."""
    driver.execute_script(source)
    driver.set_script_timeout(120)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));",
        AXE_TAGS,
    )
    return [v for v in result if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)


# --- axe on every page ----------------------------------------------------------------------------------------


CHARTS_WITHOUT_ALTERNATIVE = """
return [...document.querySelectorAll('.js-plotly-plot')].filter(plot => {
    const figure = plot.closest('[role=figure]');
    const label = figure && figure.getAttribute('aria-label');
    const described = figure && document.getElementById(figure.getAttribute('aria-describedby') || '');
    return !(label && label.trim() && described && described.textContent.trim());
}).map(plot => plot.closest('[id]') ? plot.closest('[id]').id : '?');
"""


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", NJI_PAGES)
def test_every_page_passes_axe_and_gives_each_chart_a_text_alternative(
    sized: Any, base_url: str, axe_source: str, path: str, lang: str
) -> None:
    """Zero serious or critical axe-core violations; every chart a labelled figure described by its table."""
    open_page(sized, base_url, path, lang)
    violations = axe_violations(sized, axe_source)
    assert not violations, f"{path} ({lang}, {sized.get_window_size()['width']} px):\n{describe(violations)}"
    missing = sized.execute_script(CHARTS_WITHOUT_ALTERNATIVE)
    assert not missing, f"charts without a label and a described-by text on {path}: {missing}"


# --- keyboard ---------------------------------------------------------------------------------------------------


def tab_walk(driver: Any) -> set[str]:
    """Press Tab from the top of the page until focus comes back round; the keys of every element that got focus
    and the groups (grid, radio group) it entered.

    The keys go through ActionChains (to whatever has focus), so a file input is tabbed past, not typed into; a
    date input keeps focus over its day, month and year parts, which counts once.
    """
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    seen: list[str] = []
    first = previous = None
    for _ in range(MAX_TABS):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        current, group = driver.execute_script(
            "const el = document.activeElement; return [window.__raakKey(el), window.__raakGroup(el)]"
        )
        if group:
            seen.append(group)  # any cell of a grid, any radio of a group: the widget was entered
        if first is None:
            first = current
        elif current == first and previous != first:
            break
        seen.append(current)
        previous = current
    return set(seen)


KEY_SCRIPT = """
window.__raakKey = el => {
    if (!el || el === document.body) return 'body';
    if (!el.__raakKey) el.__raakKey = 'k' + Math.random().toString(36).slice(2);
    return el.__raakKey;
};
const visible = el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && !el.closest('[aria-hidden=true]')
        && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
};
// One tab stop per composite widget (WCAG: a grid is entered with Tab and walked with the arrow keys; a radio
// group is entered with Tab and changed with the arrows): such controls count as their group.
const group = window.__raakGroup = el => {
    const grid = el.closest('[role=grid], [role=treegrid]');
    if (grid) return 'grid:' + window.__raakKey(grid);
    if (el.type === 'radio' && el.name) return 'radio:' + el.name;
    return null;
};
return [...document.querySelectorAll(arguments[0])].filter(visible).map(el => ({
    key: window.__raakKey(el),
    group: group(el),
    what: el.tagName + '#' + el.id + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 40)
}));
"""


def unreached(controls: list[dict[str, Any]], focused: set[str]) -> list[str]:
    """Controls Tab never reached: single ones themselves, grouped ones when no member of their group was."""
    reached_groups = {c["group"] for c in controls if c["group"] and (c["key"] in focused or c["group"] in focused)}
    return [
        c["what"]
        for c in controls
        if (c["group"] is None and c["key"] not in focused) or (c["group"] and c["group"] not in reached_groups)
    ]


@pytest.fixture(scope="module")
def desktop(base_url: str) -> Iterator[Any]:
    """A browser at 1280 px logged in as NJi, for the keyboard walk."""
    with headless_chromium(WIDTHS["desktop"]) as driver:
        login(driver, base_url, "nji@demo.raak", DEMO_PASSWORD)
        yield driver


@pytest.mark.parametrize("path", NJI_PAGES)
def test_keyboard_alone_reaches_every_control(desktop: Any, base_url: str, path: str) -> None:
    open_page(desktop, base_url, path, "nl")
    controls = desktop.execute_script(KEY_SCRIPT, INTERACTIVE)
    missed = unreached(controls, tab_walk(desktop))
    assert controls and not missed, f"not reachable by Tab on {path}: {missed}"
    outline = desktop.execute_script(
        "const el = document.querySelector('#nav-punten'); el.focus();"
        "const s = getComputedStyle(el); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2"
    )
    assert outline, "a focused link shows a visible focus outline"


# --- the coordinator's home and the headline, as a user sees them -----------------------------------------------


def test_coordinator_lands_on_my_region_with_no_axe_violation(
    coordinator_browser: Any,
    base_url: str,
    axe_source: str,
) -> None:
    login(coordinator_browser, base_url, "coordinator@demo.raak", DEMO_PASSWORD)
    wait_for_page(coordinator_browser, "/mijn-regio")
    assert urlsplit(coordinator_browser.current_url).path == "/mijn-regio"
    assert coordinator_browser.find_element(By.ID, "kpi-returned").text
    nav = [a.get_attribute("id") for a in coordinator_browser.find_elements(By.CSS_SELECTOR, ".main-nav a")]
    assert "nav-mijn-regio" in nav and "nav-export" not in nav and "nav-beheer" not in nav
    violations = axe_violations(coordinator_browser, axe_source)
    assert not violations, describe(violations)
    full_page_screenshot(coordinator_browser, "my-region-nl")
    coordinator_browser.get(f"{base_url}/mijn-regio?lang=en")
    wait_for_page(coordinator_browser, "/mijn-regio", lang="en")
    assert "My region" in coordinator_browser.find_element(By.ID, "page-title").text
    full_page_screenshot(coordinator_browser, "my-region-en")


@pytest.mark.parametrize("lang", LANGS)
def test_national_page_leads_with_the_target_and_the_gap(
    sized: Any,
    base_url: str,
    report_json: Any,
    lang: str,
) -> None:
    open_page(sized, base_url, "/", lang)
    national = report_json(ROUND, lang)["national"]
    coverage = figures.percent(national["coverage"], lang)
    gap = percentage_points(national["gap"], lang)
    expected = (
        f"doel 2011: 100% · landelijk {coverage} · nog {gap} procentpunt"
        if lang == "nl"
        else f"target 2011: 100% · national {coverage} · {gap} percentage points to go"
    )
    assert sized.find_element(By.ID, "headline").text == expected
    assert figures.percent(national["target"], lang) in sized.find_element(By.ID, "headline-trajectory").text


# --- screenshots for the README ---------------------------------------------------------------------------------

SCREENSHOT_PAGES = {
    "national": "/",
    "region": "/regio/GG3406",
    "municipality": "/gemeente/GM0363",
    "framework": "/punten",
    "completeness": "/aanlevering",
    "upload": "/upload",
    "export": "/export",
    "admin": "/beheer",
}
MAX_SCREENSHOT_HEIGHT = 8000


def full_page_screenshot(driver: Any, name: str) -> None:
    """The whole page (not just the window) as docs/screenshots/`name`.png, at 1280 px wide."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTHS["desktop"][0], min(int(height) + 100, MAX_SCREENSHOT_HEIGHT))
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    driver.execute_script("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    driver.set_window_size(*WIDTHS["desktop"])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(SCREENSHOT_PAGES))
def test_screenshot_every_page_in_both_languages(desktop: Any, base_url: str, name: str, lang: str) -> None:
    open_page(desktop, base_url, SCREENSHOT_PAGES[name], lang)
    assert desktop.find_element(By.ID, "page-title").text
    full_page_screenshot(desktop, f"{name}-{lang}")
