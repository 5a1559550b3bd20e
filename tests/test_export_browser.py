"""The Export page in real headless Chromium: choose a region and a language, start the export, watch its progress
and download the zip; its files are the ones `raak export` writes, with the numbers of `raak report --json`."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from corpus.browser import BROWSER_LOGGED_IN, open_page, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

pytestmark = BROWSER_LOGGED_IN
ROUND, REGION = "2011", "GG3406"
DOWNLOAD_WAIT_SECONDS = 60


def downloaded(folder: Path, name: str) -> Path:
    """The file `name` once Chromium has finished writing it into `folder`."""
    deadline = time.monotonic() + DOWNLOAD_WAIT_SECONDS
    while time.monotonic() < deadline:
        path = folder / name
        if path.is_file() and not list(folder.glob("*.crdownload")):
            return path
        time.sleep(0.2)
    pytest.fail(f"{name} was not downloaded into {folder}: {sorted(p.name for p in folder.iterdir())}")


def test_export_page_downloads_the_zip_of_one_region_in_english(
    browser: Any,
    base_url: str,
    report_json: Any,
    tmp_path: Path,
) -> None:
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    open_page(browser, base_url, "/export", f"?ronde={ROUND}", round_label=ROUND)
    region = next(r for r in report_json(ROUND, "en")["regions"] if r["region_code"] == REGION)
    browser.find_element(By.ID, "export-region").click()
    option = f"//*[@role='option'][normalize-space()='{region['region_name']} ({REGION})']"
    wait(browser).until(EC.element_to_be_clickable((By.XPATH, option))).click()
    browser.find_element(By.CSS_SELECTOR, "#export-lang input[value='en']").click()
    browser.find_element(By.ID, "export-start").click()

    bar = wait(browser).until(EC.visibility_of_element_located((By.ID, "export-progress")))
    assert int(bar.get_attribute("value")) < int(bar.get_attribute("max")), "progress shows while the export runs"
    assert not browser.find_element(By.ID, "export-start").is_enabled(), "one export at a time per page"
    link = wait(browser).until(EC.visibility_of_element_located((By.ID, "export-download")))
    assert browser.find_element(By.ID, "export-status").text == "Klaar."  # the page itself stays Dutch
    assert bar.get_attribute("value") == bar.get_attribute("max")
    name = link.get_attribute("download")
    assert name == f"raak_export_{ROUND}_{REGION}_en.zip"
    link.click()

    with zipfile.ZipFile(downloaded(tmp_path, name)) as archive:
        names = set(archive.namelist())
        assert names == {
            f"{ROUND}_{REGION}_report.pdf",
            f"{ROUND}_{REGION}_tables.xlsx",
            *(f"{ROUND}_{REGION}_{chart}.{fmt}" for chart in ("continuum", "change") for fmt in ("png", "svg")),
        }
        assert archive.read(f"{ROUND}_{REGION}_report.pdf").startswith(b"%PDF")
        book = openpyxl.load_workbook(io.BytesIO(archive.read(f"{ROUND}_{REGION}_tables.xlsx")))
    header = [cell.value for cell in book["Regions"][1]]
    row = [cell.value for cell in book["Regions"][2]]
    assert row[header.index("Region")] == region["region_name"]
    assert row[header.index("Coverage (%)")] == pytest.approx(region["coverage"], rel=1e-15)
    assert browser.find_element(By.ID, "export-start").is_enabled()
