"""A coordinator in real headless Chromium: log in, drop a valid and an invalid workbook on /upload, follow the
background job to both outcomes, download the annotated copy, see the region's coverage change and find the upload
again in the list of recent ones (the page's screenshot is saved to
docs/screenshots/upload.png); and a browser whose session ended is sent to the log-in page and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus.browser import (
    CHROMEDRIVER,
    CHROMIUM,
    headless_chromium,
    kpi,
    login,
    screenshot,
    serve_app,
    wait,
    wait_for_page,
)
from corpus.builders import ALL_POINTS_3, add_rounds, filled, region_municipalities, sqlite_only
from corpus.web import COORDINATOR_REGION, PASSWORD, USERS, add_users
from sqlalchemy import Engine

from dashboard.figures import charts as figures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="browser tests need Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
    sqlite_only,
]

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

DOWNLOAD_SECONDS = 30


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app over a fresh database with round 2009 open and one user of each role, on a free port."""
    monkeypatch.setenv("RAAK_STORAGE_DIR", str(tmp_path / "returns"))
    add_rounds(engine, "2009")
    add_users(engine)
    with serve_app(engine) as url:
        yield url


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def chromium(downloads: Path) -> Iterator[Any]:
    """Headless Chromium that saves downloads into `downloads` without asking."""
    prefs = {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    with headless_chromium(prefs=prefs) as driver:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver


def test_coordinator_uploads_a_valid_and_an_invalid_workbook_and_sees_both_outcomes(
    engine: Engine, site: str, chromium: Any, downloads: Path, tmp_path: Path
) -> None:
    codes = region_municipalities(engine, COORDINATOR_REGION)
    valid, invalid = tmp_path / "den_haag_2009.xlsx", tmp_path / "den_haag_fout.xlsx"
    valid.write_bytes(
        filled(engine, COORDINATOR_REGION, "2009", tmp_path / "a", {c: dict(ALL_POINTS_3) for c in codes})
    )
    invalid.write_bytes(filled(engine, COORDINATOR_REGION, "2009", tmp_path / "b", {codes[0]: {1: "ja", 2: 3}}))

    login(chromium, site, USERS["coordinator"][0], PASSWORD)
    region = f"/regio/{COORDINATOR_REGION}"
    chromium.get(f"{site}{region}?ronde=2009")
    wait_for_page(chromium, region, round_label="2009")
    assert kpi(chromium, "completeness") == figures.percent(0, "nl")

    chromium.get(f"{site}/upload")
    wait_for_page(chromium, "/upload")
    drop = chromium.find_element(By.CSS_SELECTOR, "#upload-files input[type=file]")
    drop.send_keys(f"{valid}\n{invalid}")
    wait(chromium).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".upload-result")) == 2)
    status = chromium.find_element(By.ID, "upload-status")
    wait(chromium).until(lambda _: status.text.startswith("Klaar."))  # the background job's progress, polled
    assert status.text == "Klaar. 1 geaccepteerd, 1 afgewezen, 0 al ontvangen."
    progress = chromium.find_element(By.ID, "upload-progress")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("2", "2")
    results = {
        element.find_element(By.TAG_NAME, "h3").text.split(" ", 1)[1]: element
        for element in chromium.find_elements(By.CSS_SELECTOR, ".upload-result")
    }
    accepted, rejected = results[valid.name], results[invalid.name]
    assert accepted.get_attribute("data-status") == "accepted" and "'s-Gravenhage (GM0518)" in accepted.text
    assert rejected.get_attribute("data-status") == "rejected"
    assert "Punt 1: 'ja' is geen geldige status" in rejected.text and "D10" in rejected.text
    screenshot(chromium, "upload")

    rejected.find_element(By.CSS_SELECTOR, "a[download]").click()
    annotated = downloads / f"{invalid.stem}.annotated.xlsx"
    wait(chromium).until(lambda _: annotated.exists() and annotated.stat().st_size > 0)
    assert "Fouten" in openpyxl.load_workbook(annotated).sheetnames

    accepted.find_element(By.LINK_TEXT, "Bekijk regio GGD Den Haag").click()
    wait_for_page(chromium, region, round_label="2009")
    assert kpi(chromium, "completeness") == figures.percent(1, "nl")
    assert kpi(chromium, "coverage") == figures.percent(1, "nl")

    chromium.get(f"{site}/upload")  # later, or after a lost connection: the upload is listed with its results
    wait_for_page(chromium, "/upload")
    chromium.find_element(By.ID, "upload-recent-0").click()
    wait(chromium).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".upload-result")) == 2)
    assert chromium.find_element(By.ID, "upload-status").text.startswith("Klaar.")


def test_an_ended_session_sends_the_browser_to_the_login_page_and_back(site: str, chromium: Any) -> None:
    login(chromium, site, USERS["steering"][0], PASSWORD)
    chromium.get(f"{site}/punten?ronde=2009")
    wait_for_page(chromium, "/punten", round_label="2009")
    chromium.delete_cookie("raak_session")  # as when it expires, or the password was reset elsewhere
    chromium.find_element(By.ID, "nav-aanlevering").click()
    wait(chromium).until(lambda d: "/login?next=" in d.current_url)
    chromium.find_element(By.ID, "email").send_keys(USERS["steering"][0])
    chromium.find_element(By.ID, "password").send_keys(PASSWORD)
    chromium.find_element(By.ID, "login-submit").click()
    wait_for_page(chromium, "/aanlevering", round_label="2009")
