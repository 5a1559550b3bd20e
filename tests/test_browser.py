"""The dashboard in real headless Chromium over the demo database: every page, round and region switches, the
language switch, map and heatmap clicks, and the numbers on screen against `raak report --json`.

Each page's screenshot is saved to docs/screenshots/ (1400×900) for the README.
"""

from __future__ import annotations

from typing import Any

from corpus.browser import (
    BROWSER_LOGGED_IN,
    click_cell,
    emit_click,
    graph,
    kpi,
    open_page,
    screenshot,
    wait,
    wait_for_page,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from dashboard.figures import charts as figures
from dashboard.web.pages.national import shapes_url

pytestmark = BROWSER_LOGGED_IN
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
    shapes = wait(browser).until(lambda d: d.execute_script(fetched, url))
    assert len(shapes["features"]) == 431
    drawn = graph(browser, "national-map")
    assert browser.execute_script("return arguments[0]._fullData[0].geojson", drawn) == url
    requests = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith(arguments[0])).length"
    assert browser.execute_script(requests, url) == 1
    open_page(browser, base_url, "/punten", "?ronde=2010", round_label="2010")
    open_page(browser, base_url, "/", "?ronde=2010", round_label="2010")
    assert wait(browser).until(lambda d: d.execute_script(fetched, url))
