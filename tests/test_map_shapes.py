"""The map's municipality shapes travel once: page responses name them by URL, the browser fetches and caches them.

Issue 13 measured the national page at 13.5 MB per response at 100x, most of it the same 418 shapes in every
response (twice: once per trace). Now the traces carry a URL and the shapes route answers with cache headers.
"""

from __future__ import annotations

import json

from corpus.demo import DEMO_PASSWORD
from corpus.web import SECRET_KEY, logged_in
from sqlalchemy import Engine

from dashboard.analytics.queries import municipality_geojson
from dashboard.web.app import create_app, render
from dashboard.web.auth import Principal
from dashboard.web.pages.national import shapes_url

NJI = Principal(1, "nji@demo.raak", "nji")
DIVISION_2011 = 2011


def _map_figure(engine: Engine, search: str) -> dict:
    layout = render(engine, "/", search, NJI)[2]
    found = [json.loads(json.dumps(c.figure.to_plotly_json(), default=str)) for c in _graphs(layout)]
    return next(figure for figure in found if figure["data"] and figure["data"][0]["type"] == "choroplethmap")


def _graphs(component: object) -> list:
    found = [component] if getattr(component, "figure", None) is not None else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children] if children is not None else []:
        if not isinstance(child, str | int | float):
            found += _graphs(child)
    return found


def test_map_traces_name_the_shapes_by_url_and_carry_no_geometry(demo_engine: Engine) -> None:
    for search in ("?ronde=2011", "?ronde=2011&kaart=gemeenten"):
        figure = _map_figure(demo_engine, search)
        assert {trace["geojson"] for trace in figure["data"]} == {shapes_url(DIVISION_2011)}
        assert "coordinates" not in json.dumps(figure)
        assert figure["layout"]["map"]["zoom"] > 0  # still placed on the Netherlands


def test_shapes_route_serves_the_division_with_cache_headers(demo_engine: Engine) -> None:
    client = logged_in(create_app(demo_engine, secret_key=SECRET_KEY), "nji@demo.raak", DEMO_PASSWORD).http
    response = client.get(shapes_url(DIVISION_2011))
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.json == municipality_geojson(DIVISION_2011)
    assert len(response.json["features"]) == 418
    assert response.cache_control.private and response.cache_control.max_age > 0
    again = client.get(shapes_url(DIVISION_2011), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(shapes_url(1999)).status_code == 404


def test_shapes_need_a_log_in(demo_engine: Engine) -> None:
    client = create_app(demo_engine, secret_key=SECRET_KEY).server.test_client()
    assert client.get(shapes_url(DIVISION_2011)).status_code in (302, 401)
