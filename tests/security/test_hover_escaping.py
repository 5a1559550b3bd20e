"""Workbook comments in the region heatmap's hover read exactly as typed — quotes included — and never as markup.

The comment travels the real way: a coordinator's return through `etl.ingest.pipeline`, then the region page through the
router callback as the logged-in coordinator. The hover text is decoded the way the served plotly.js does, with the
entity table read from that very bundle.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import plotly
import pytest
from corpus.builders import ALL_POINTS_3, add_rounds, filled, region_municipalities
from corpus.web import COORDINATOR_REGION, SECRET_KEY, USERS, add_users, logged_in, walk
from sqlalchemy import Engine

from dashboard.web.app import create_app
from etl.ingest.pipeline import ingest

COMMENT = 'Zie "convenant" & <script>alert(1)</script> <b>vet</b>'
ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")


def plotly_entities() -> dict[str, str]:
    """The named entities plotly.js turns back into characters in hover text (its `entityToUnicode` table)."""
    bundle = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    found = re.search(r'\{mu:"[^}]*\}', bundle)
    assert found, "plotly.js entity table not found"
    pairs = re.findall(r'(\w+):"((?:\\.|[^"\\])*)"', found.group(0))
    return {name: value.encode("ascii").decode("unicode_escape") for name, value in pairs}


def as_plotly_shows(text: str, entities: dict[str, str]) -> str:
    """Hover text after plotly's entity conversion (an unknown entity stays as written)."""

    def convert(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("#x"):
            return chr(int(inner[2:], 16))
        if inner.startswith("#"):
            return chr(int(inner[1:]))
        return entities.get(inner, match.group(0))

    return ENTITY.sub(convert, text)


def heatmap_comments(page: Any) -> list[str]:
    """Every comment in the customdata of the page's heatmap."""
    for node in walk(page):
        figure = node.get("props", {}).get("figure")
        for trace in (figure or {}).get("data", []):
            if trace.get("type") == "heatmap":
                return [cell[2] for row in trace["customdata"] for cell in row if cell[2]]
    raise AssertionError("no heatmap on the page")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_comment_with_quotes_reads_as_typed_in_the_hover_and_stays_text(engine: Engine, tmp_path: Path) -> None:
    add_rounds(engine, "2009")
    add_users(engine)
    [code] = region_municipalities(engine, COORDINATOR_REGION)
    data = filled(engine, COORDINATOR_REGION, "2009", tmp_path, {code: ALL_POINTS_3}, {code: {1: COMMENT}})
    assert ingest(data, "den_haag.xlsx", engine=engine).status == "accepted"
    client = logged_in(create_app(engine, secret_key=SECRET_KEY), USERS["coordinator"][0])

    response = client.route(f"/regio/{COORDINATOR_REGION}", "?ronde=2009")

    assert response.status_code == 200
    [hover] = heatmap_comments(response.get_json()["response"]["page"]["children"])
    assert as_plotly_shows(hover, plotly_entities()) == COMMENT
    assert "<" not in hover and ">" not in hover  # no tag can form: the comment is never markup
