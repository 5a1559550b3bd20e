"""Real headless Chromium over the demo database for the browser tests: the app served on a free port, a browser
logged in as NJi, `raak report --json` to compare with, and helpers that wait for a page or click a chart.

The fixtures (`base_url`, `browser`, `browser_logged_in`, `report_json`) are module-scoped and registered for every
module in tests/conftest.py; a module whose pages need the log-in marks itself with BROWSER_LOGGED_IN."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine
from werkzeug.serving import make_server

from corpus.demo import DEMO_PASSWORD
from corpus.web import SECRET_KEY
from dashboard.cli import main
from dashboard.web.app import create_app

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
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

BROWSER_MARKS = [  # every browser test module's pytestmark
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="browser tests need Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]
BROWSER_LOGGED_IN = [*BROWSER_MARKS, pytest.mark.usefixtures("browser_logged_in")]  # logged in as NJi, once a module


@contextmanager
def serve_app(engine: Engine) -> Iterator[str]:
    """The app over `engine`, served by werkzeug in a background thread on a free port: its base URL."""
    server = make_server("127.0.0.1", 0, create_app(engine, secret_key=SECRET_KEY).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def headless_chromium(size: tuple[int, int] = WINDOW, prefs: dict[str, Any] | None = None) -> Iterator[Any]:
    """Headless Chromium at `size` with a fresh profile of its own, removed afterwards; `prefs`: its preferences."""
    profile = tempfile.mkdtemp(prefix="raak-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*CHROME_ARGUMENTS, f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(*size)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def base_url(demo_engine: Engine) -> Iterator[str]:
    """The app over the demo database on a free port."""
    with serve_app(demo_engine) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium with a fresh profile."""
    with headless_chromium() as driver:
        yield driver


def login(driver: Any, base_url: str, email: str, password: str) -> None:
    """Log in through the log-in form, as a person would, and wait for the dashboard."""
    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    wait(driver).until(EC.presence_of_element_located((By.ID, "page-root")))


@pytest.fixture(scope="module")
def browser_logged_in(browser: Any, base_url: str) -> None:
    """Every page needs a log-in: log in once, as NJi (who sees every page)."""
    login(browser, base_url, "nji@demo.raak", DEMO_PASSWORD)


@pytest.fixture(scope="module")
def report_json(demo_engine: Engine) -> Any:
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
