"""In real headless Chromium: when the database goes away while a page is open, the next click shows the server's
message in Dutch and English instead of nothing; once the database is back the next click draws the page again and
the message goes — the same server process throughout."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from corpus.browser import CHROMEDRIVER, CHROMIUM, WAIT_SECONDS, serve_app
from corpus.builders import sqlite_only
from corpus.web import PASSWORD, USERS, add_users
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import make_url

from etl.store.db import make_engine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="browser tests need Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)",
    ),
]

BANNER = "request-failure"


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(base URL of the app on its own copy of the database, the folder holding that copy)."""
    home = tmp_path / "database"
    home.mkdir()
    copy = home / "raak.sqlite"
    shutil.copyfile(make_url(db_url).database or "", copy)
    engine = make_engine(f"sqlite:///{copy}")
    add_users(engine)
    with serve_app(engine) as url:
        yield url, (home, engine)
    engine.dispose()


def on_page(driver: Any, path: str) -> None:
    WebDriverWait(driver, WAIT_SECONDS).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, f'#page-root[data-path="{path}"]'))
    )


@sqlite_only
def test_an_open_page_shows_the_outage_in_both_languages_and_recovers(
    served: tuple[str, Any],
    browser: Any,
) -> None:
    base_url, (home, engine) = served
    browser.delete_all_cookies()
    browser.get(f"{base_url}/login")
    browser.find_element(By.ID, "email").send_keys(USERS["nji"][0])
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    on_page(browser, "/")

    away = home.with_name("moved-away")
    os.rename(home, away)
    engine.dispose()  # SQLite would keep reading files it has open; a fresh worker would not find them
    try:
        browser.find_element(By.ID, "nav-aanlevering").click()
        shown = WebDriverWait(browser, WAIT_SECONDS).until(EC.visibility_of_element_located((By.ID, BANNER)))
        assert "tijdelijk niet beschikbaar" in shown.text and "temporarily unavailable" in shown.text
        assert shown.get_attribute("role") == "alert"
    finally:
        os.rename(away, home)

    browser.find_element(By.ID, "nav-punten").click()
    on_page(browser, "/punten")
    WebDriverWait(browser, WAIT_SECONDS).until(EC.invisibility_of_element_located((By.ID, BANNER)))
