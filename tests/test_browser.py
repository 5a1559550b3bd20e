"""The dashboard in real headless Chromium over the demo database: every page, round and region switches, the
language switch, map and heatmap clicks, and the numbers on screen against `raak report --json`.

Each page's screenshot is saved to docs/screenshots/ (1400×900) for the README.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine
from test_auth import SECRET_KEY
from test_demo import DEMO_PASSWORD, demo_engine  # noqa: F401  (the session fixture)
from werkzeug.serving import make_server

from dashboard.cli import main
from dashboard.figures import charts as figures
from dashboard.web.app import create_app
from dashboard.web.pages.national import shapes_url

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
WINDOW = (1400, 900)
WAIT_SECONDS = 60
CHROME_ARGUMENTS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",  # software WebGL for the MapLibre map
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="browser tests need Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def base_url(demo_engine: Engine) -> Iterator[str]:  # noqa: F811
    """The app over the demo database, served by werkzeug in a background thread on a free port."""
    server = make_server("127.0.0.1", 0, create_app(demo_engine, secret_key=SECRET_KEY).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium with a fresh profile."""
    profile = tempfile.mkdtemp(prefix="raak-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*CHROME_ARGUMENTS, f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(*WINDOW)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def login(driver: Any, base_url: str, email: str, password: str) -> None:
    """Log in through the log-in form, as a person would, and wait for the dashboard."""
    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "page-root")))


@pytest.fixture(scope="module", autouse=True)
def logged_in(browser: Any, base_url: str) -> None:
    """Every page needs a log-in: log in once, as NJi (who sees every page)."""
    login(browser, base_url, "nji@demo.raak", DEMO_PASSWORD)


@pytest.fixture(scope="module")
def report_json(demo_engine: Engine) -> Any:  # noqa: F811
    """`raak report --round LABEL --json` on the demo database, parsed (per round and language, cached)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def get(round_label: str, lang: str = "nl") -> dict[str, Any]:
        if (round_label, lang) not in found:
            env = {"DATABASE_URL": demo_engine.url.render_as_string(hide_password=False)}
            result = CliRunner().invoke(main, ["report", "--round", round_label, "--json", "--lang", lang], env=env)
            assert result.exit_code == 0, result.output
            found[round_label, lang] = json.loads(result.output)
        return found[round_label, lang]

    return get


def wait(driver: Any) -> WebDriverWait:
    return WebDriverWait(driver, WAIT_SECONDS)


def wait_for_page(driver: Any, path: str, round_label: str | None = None, lang: str = "nl") -> None:
    """Until the router has drawn `path` (in that round and language) and every chart on it has rendered."""
    selector = f"#page-root[data-path='{path}'][data-lang='{lang}']"
    if round_label:
        selector += f"[data-round='{round_label}']"
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))
    wait(driver).until(
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('.chart')].every(g => g.querySelector('.main-svg'))"
            " && !document.querySelector('._dash-loading, [data-dash-is-loading=\"true\"]')"
        )
    )


def open_page(driver: Any, base_url: str, path: str, query: str = "", **expected: str) -> None:
    driver.get(f"{base_url}{path}{query}")
    wait_for_page(driver, path, **expected)


def kpi(driver: Any, name: str) -> str:
    return driver.find_element(By.ID, f"kpi-{name}").text


def screenshot(driver: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def graph(driver: Any, name: str) -> Any:
    """The plotly element of the NAV_GRAPH chart `name`."""
    return driver.find_element(By.CSS_SELECTOR, f'[id*=\'"name":"{name}"\'] .js-plotly-plot')


def emit_click(driver: Any, element: Any, curve: int, point: int, *, until: str) -> None:
    """Send plotly's click event for one point, as a mouse click on it would, until the URL contains `until`.

    Dash listens for clicks only once plotly has finished drawing (for a map: loaded its style), so an early event
    is repeated rather than lost.
    """

    def navigated(d: Any) -> bool:
        if until in d.current_url:
            return True
        d.execute_script(
            "arguments[0].emit('plotly_click', {points: [{curveNumber: arguments[1], pointNumber: arguments[2]}]})",
            element,
            curve,
            point,
        )
        return False

    WebDriverWait(driver, WAIT_SECONDS, poll_frequency=1).until(navigated)


def click_cell(driver: Any, element: Any, row: str, column: str) -> None:
    """A real mouse click on the heatmap cell (`row`, `column`), located through plotly's own axes."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    dx, dy = driver.execute_script(
        """
        const gd = arguments[0], layout = gd._fullLayout, box = gd.getBoundingClientRect();
        const xa = layout.xaxis, ya = layout.yaxis;
        const x = xa._offset + xa.l2p(xa.d2l(arguments[2])), y = ya._offset + ya.l2p(ya.d2l(arguments[1]));
        return [x - box.width / 2, y - box.height / 2];
        """,
        element,
        row,
        column,
    )
    ActionChains(driver).move_to_element_with_offset(element, int(dx), int(dy)).click().perform()


# --- tests ------------------------------------------------------------------------------------------------------


def test_national_page_shows_the_numbers_of_raak_report(browser: Any, base_url: str, report_json: Any) -> None:
    open_page(browser, base_url, "/", "?ronde=2010", round_label="2010")
    national = report_json("2010")["national"]
    assert kpi(browser, "coverage") == figures.percent(national["coverage"], "nl")
    assert kpi(browser, "completeness") == figures.percent(national["completeness"], "nl")
    assert kpi(browser, "on-track") == f"{national['regions_on_track']}/{national['n_regions']}"
    assert browser.find_element(By.ID, "demo-banner").is_displayed()
    screenshot(browser, "national")


def test_round_selector_switches_the_round_in_the_url(browser: Any, base_url: str, report_json: Any) -> None:
    open_page(browser, base_url, "/", "?ronde=2010", round_label="2010")
    browser.find_element(By.ID, "round-select").click()
    option = wait(browser).until(
        EC.element_to_be_clickable((By.XPATH, "//*[@role='option'][normalize-space()='2009']"))
    )
    option.click()
    wait_for_page(browser, "/", round_label="2009")
    assert "ronde=2009" in browser.current_url
    assert kpi(browser, "coverage") == figures.percent(report_json("2009")["national"]["coverage"], "nl")


def test_language_switch_turns_the_page_english_and_keeps_the_round(
    browser: Any, base_url: str, report_json: Any
) -> None:
    open_page(browser, base_url, "/", "?ronde=2011", round_label="2011")
    browser.find_element(By.ID, "lang-en").click()
    wait_for_page(browser, "/", round_label="2011", lang="en")
    assert browser.find_element(By.ID, "page-title").text == "National overview — round 2011"
    assert kpi(browser, "coverage") == figures.percent(report_json("2011", "en")["national"]["coverage"], "en")
    assert "lang=en" in browser.current_url and "ronde=2011" in browser.current_url


def test_map_click_opens_the_region_with_its_report_numbers(browser: Any, base_url: str, report_json: Any) -> None:
    open_page(browser, base_url, "/", "?ronde=2010", round_label="2010")
    shapes = graph(browser, "national-map")
    municipality = browser.execute_script("return arguments[0].data[0].locations.indexOf('GM0363')", shapes)
    code = "GG0340"  # Amsterdam's region in the 2010 division (the 2008 GGD regions)
    emit_click(browser, shapes, 0, municipality, until=f"/regio/{code}")  # WebGL hit-testing is unreliable headless
    wait_for_page(browser, f"/regio/{code}", round_label="2010")
    region = next(r for r in report_json("2010")["regions"] if r["region_code"] == code)
    assert kpi(browser, "coverage") == figures.percent(region["coverage"], "nl")
    assert kpi(browser, "completeness") == figures.percent(region["completeness"], "nl")
    assert region["region_name"] in browser.find_element(By.ID, "page-title").text


def test_region_selector_and_heatmap_click(browser: Any, base_url: str, report_json: Any) -> None:
    open_page(browser, base_url, "/regio/GG0111", "?ronde=2011", round_label="2011")
    browser.find_element(By.CSS_SELECTOR, ".region-select").click()
    amsterdam = next(r for r in report_json("2011")["regions"] if r["region_code"] == "GG3406")
    wait(browser).until(
        EC.element_to_be_clickable((By.XPATH, f"//*[@role='option'][normalize-space()='{amsterdam['region_name']}']"))
    ).click()
    wait_for_page(browser, "/regio/GG3406", round_label="2011")
    assert kpi(browser, "coverage") == figures.percent(amsterdam["coverage"], "nl")
    screenshot(browser, "region")
    click_cell(browser, graph(browser, "heatmap"), "Amsterdam", "3")
    wait_for_page(browser, "/gemeente/GM0363", round_label="2011")
    assert "Amsterdam" in browser.find_element(By.ID, "page-title").text
    municipality = next(m for m in report_json("2011")["municipalities"] if m["municipality_code"] == "GM0363")
    assert kpi(browser, "round-2011") == figures.percent(municipality["coverage"], "nl")
    screenshot(browser, "municipality")


def test_weakest_point_opens_its_text_and_lagging_regions(browser: Any, base_url: str, report_json: Any) -> None:
    open_page(browser, base_url, "/", "?ronde=2011", round_label="2011")
    weakest = report_json("2011")["weakest_points"][0]
    last = len(report_json("2011")["weakest_points"]) - 1  # the weakest point is drawn on top, as the last bar
    emit_click(browser, graph(browser, "weakest"), 0, last, until=f"punt={weakest['point_number']}")
    wait_for_page(browser, "/punten", round_label="2011")
    assert f"punt={weakest['point_number']}" in browser.current_url
    assert browser.find_element(By.ID, "point-text").text.strip()
    point = next(p for p in report_json("2011")["points"] if p["point_number"] == weakest["point_number"])
    assert figures.percent(point["share"], "nl") in browser.find_element(By.ID, "point-national-share").text
    screenshot(browser, "framework")


def test_completeness_page_shows_received_returns_and_rejected_files(
    browser: Any, base_url: str, report_json: Any
) -> None:
    open_page(browser, base_url, "/aanlevering", "?ronde=2011", round_label="2011")
    rejected = browser.find_element(By.ID, "rejected-list").text
    assert "rejected" in rejected and "ja" in rejected
    regions = {r["region_code"]: r for r in report_json("2011")["regions"]}
    grid_text = browser.find_element(By.ID, "completeness-grid").text
    first = sorted(regions)[0]
    assert first in grid_text and str(regions[first]["n_returns"]) in grid_text
    screenshot(browser, "completeness")


def test_map_fetches_its_shapes_once_by_url(browser: Any, base_url: str) -> None:
    """The map draws the 2010 shapes fetched from their URL; going to another page and back fetches nothing again."""
    url = shapes_url(2010)
    open_page(browser, base_url, "/", "?ronde=2010", round_label="2010")
    fetched = "return (window.PlotlyGeoAssets || {})[arguments[0]]"
    shapes = WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.execute_script(fetched, url))
    assert len(shapes["features"]) == 431
    drawn = graph(browser, "national-map")
    assert browser.execute_script("return arguments[0]._fullData[0].geojson", drawn) == url
    requests = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith(arguments[0])).length"
    assert browser.execute_script(requests, url) == 1
    open_page(browser, base_url, "/punten", "?ronde=2010", round_label="2010")
    open_page(browser, base_url, "/", "?ronde=2010", round_label="2010")
    assert WebDriverWait(browser, WAIT_SECONDS).until(lambda d: d.execute_script(fetched, url))
