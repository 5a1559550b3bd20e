"""Who sees and changes what, checked in the server: a role × page × callback matrix of crafted requests through
HTTP (the Flask test client), comments shown as text, and exports that neutralise spreadsheet formulas.

One database for the whole module: two regions with returns (with comments), a rejected file in the other region,
and one user of each role; the coordinator's region is COORDINATOR_REGION.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import dash
import pytest
from corpus.builders import ALL_POINTS_3, add_rounds, filled, region_municipalities
from corpus.uploads import job_of, wait_for_job
from corpus.web import (
    COORDINATOR_REGION,
    MATCHED_DOWNLOAD,
    OTHER_REGION,
    SECRET_KEY,
    USERS,
    Client,
    add_users,
    component_id,
    logged_in,
    prop,
    walk,
)
from sqlalchemy import Engine

from dashboard.web.app import create_app
from dashboard.web.components import CSV_BUTTON, DATA_STORE, DOWNLOAD, XLSX_BUTTON
from dashboard.web.pages import admin, upload
from etl.ingest.pipeline import ingest
from etl.store.db import engine_for

OWN_COMMENT = "<b>vet</b><script>alert('x')</script> [klik](javascript:alert(1)) =HYPERLINK(\"http://x\")"
OTHER_COMMENT = "Vertrouwelijk: alleen voor GGD Amsterdam"
REJECTED_FILE = "amsterdam_afgewezen.xlsx"
ROLES = ("nji", "coordinator", "steering")


@dataclass
class World:
    engine: Engine
    app: dash.Dash
    clients: dict[str, Client]
    own_municipality: str
    other_municipality: str


@pytest.fixture(scope="module")
def world(database_factories: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Who may see what does not depend on the database: SQLite (test_upload and test_admin run on both)."""
    folder = tmp_path_factory.mktemp("security")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAAK_INSTANCE_DIR", str(folder / "instance"))
        engine = engine_for(database_factories["sqlite"].fresh(True))  # type: ignore[attr-defined]
        add_rounds(engine, "2009")
        add_users(engine)
        own, other = region_municipalities(engine, COORDINATOR_REGION), region_municipalities(engine, OTHER_REGION)
        for region, codes, comment in ((COORDINATOR_REGION, own, OWN_COMMENT), (OTHER_REGION, other, OTHER_COMMENT)):
            values = {code: dict(ALL_POINTS_3) for code in codes}
            data = filled(engine, region, "2009", folder / region, values, {codes[0]: {1: comment}})
            assert ingest(data, f"{region}.xlsx", uploader="test", engine=engine).status == "accepted"
        broken = filled(engine, OTHER_REGION, "2009", folder / "broken", {other[0]: {1: "ja"}})
        assert ingest(broken, REJECTED_FILE, uploader="test", engine=engine).status == "rejected"
        app = create_app(engine, secret_key=SECRET_KEY)
        clients = {role: logged_in(app, email) for role, (email, _) in USERS.items()}
        yield World(engine, app, clients, own[0], other[0])


def forbidden(page: str) -> bool:
    """Whether the router drew the no-access message (in JSON, compact or not)."""
    return re.search(r'"id":\s*"forbidden"', page) is not None


def pages(world: World) -> dict[str, tuple[str, ...]]:
    """path → the roles that may open it."""
    return {
        "/": ROLES,
        "/punten": ROLES,
        "/aanlevering": ROLES,
        f"/regio/{COORDINATOR_REGION}": ROLES,
        f"/regio/{OTHER_REGION}": ("nji", "steering"),
        f"/gemeente/{world.own_municipality}": ROLES,
        f"/gemeente/{world.other_municipality}": ("nji", "steering"),
        "/upload": ("nji", "coordinator"),
        "/beheer": ("nji",),
        "/export": ("nji", "steering"),
    }


# --- pages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_drawn_only_for_the_roles_and_regions_it_is_for(world: World, role: str) -> None:
    client = world.clients[role]
    for path, allowed in pages(world).items():
        page = client.page(path, "?ronde=2009")
        assert forbidden(page) == (role not in allowed), (role, path)
        if role not in allowed:
            assert OTHER_COMMENT not in page and REJECTED_FILE not in page


def test_anonymous_requests_get_no_page_and_no_callback(world: World) -> None:
    anonymous = Client(world.app)
    for path in pages(world):
        assert anonymous.route(path).status_code == 401
        assert anonymous.http.get(path).status_code == 302


def test_a_coordinator_crafting_a_request_for_another_regions_comments_gets_nothing(world: World) -> None:
    coordinator, nji = world.clients["coordinator"], world.clients["nji"]
    assert OTHER_COMMENT in nji.page(f"/gemeente/{world.other_municipality}")
    assert OTHER_COMMENT in nji.page(f"/regio/{OTHER_REGION}", "?ronde=2009")  # the heatmap's hover
    for path in (f"/gemeente/{world.other_municipality}", f"/regio/{OTHER_REGION}", f"/regio/{OTHER_REGION.lower()}/"):
        response = coordinator.route(path, "?ronde=2009")
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and OTHER_COMMENT not in body and forbidden(body)


def test_a_coordinator_sees_national_views_but_only_the_detail_of_their_own_regions(world: World) -> None:
    coordinator, nji = world.clients["coordinator"], world.clients["nji"]
    national = coordinator.page("/", "?ronde=2009")
    assert "ranking" in national and OTHER_REGION in national  # the region ranking and the map show every region
    completeness, all_completeness = coordinator.page("/aanlevering", "?ronde=2009"), nji.page("/aanlevering")
    assert REJECTED_FILE in all_completeness and REJECTED_FILE not in completeness
    point, all_point = coordinator.page("/punten", "?ronde=2009&punt=1"), nji.page("/punten", "?ronde=2009&punt=1")
    assert f'"region_code": "{OTHER_REGION}"' in all_point and f'"region_code": "{OTHER_REGION}"' not in point
    region = coordinator.page(f"/regio/{COORDINATOR_REGION}", "?ronde=2009")
    assert f'"value": "{OTHER_REGION}"' not in region  # the region selector offers their own regions only


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("nji", {"nav-upload", "nav-beheer", "nav-export"}, set()),
        ("coordinator", {"nav-upload"}, {"nav-beheer", "nav-export"}),
        ("steering", {"nav-export"}, {"nav-upload", "nav-beheer"}),
    ],
)
def test_the_menu_offers_only_the_pages_of_the_role(world: World, role: str, shown: set[str], hidden: set[str]) -> None:
    header = json.dumps(world.clients[role].route("/").get_json()["response"]["header"])
    assert all(f'"id": "{link}"' in header for link in shown)
    assert not any(f'"id": "{link}"' in header for link in hidden)
    assert USERS[role][0] in header and '"action": "/logout"' in header


# --- callbacks --------------------------------------------------------------------------------------------------


def upload_request(client: Client) -> int:
    batch = {"contents": ["data:application/octet-stream;base64,AAAA"], "filenames": ["x.xlsx"]}
    response = client.callback(
        [(upload.RESULTS, "children")],
        [prop(upload.BATCH, "data", batch)],
        [prop(upload.ROUND_SELECT, "value", "2009"), prop("url", "search", "")],
    )
    if response.status_code == 200:
        wait_for_job(client, job_of(response) or "")  # the background job's records are not the next role's
    return response.status_code


def template_request(client: Client, region: str) -> int:
    return client.callback(
        [(upload.TEMPLATE_DOWNLOAD, "data"), (upload.TEMPLATE_MESSAGE, "children")],
        [prop(upload.TEMPLATE_BUTTON, "n_clicks", 1)],
        [
            prop(upload.TEMPLATE_REGION, "value", region),
            prop(upload.ROUND_SELECT, "value", "2009"),
            prop(upload.TEMPLATE_PREFILL, "value", ["prefill"]),
            prop("url", "search", ""),
        ],
    ).status_code


def toggle_request(client: Client) -> int:
    toggle = {"type": admin.TOGGLE, "round": "2009"}
    return client.callback(
        [(admin.ROUNDS, "children"), (admin.MESSAGE, "children")],
        [[prop(toggle, "n_clicks", 1)], [], prop(admin.ADD, "n_clicks")],
        [
            [],
            prop(admin.NEW_LABEL, "value"),
            prop(admin.NEW_REFERENCE, "value"),
            prop(admin.NEW_DEADLINE, "value"),
            prop("url", "search", ""),
        ],
        changed=[component_id(toggle) + ".n_clicks"],
    ).status_code


def export_request(client: Client) -> int:
    return client.callback(
        [
            ("export-job", "data"),
            ("export-interval", "disabled"),
            ("export-start", "disabled"),
            ("export-status", "children"),
            ("export-download", "style"),
        ],
        [prop("export-start", "n_clicks", 1)],
        [
            prop("export-round", "value", "2009"),
            prop("export-region", "value", None),
            prop("export-lang", "value", "nl"),
            prop("export-formats", "value", []),
            prop("export-ui-lang", "data", "nl"),
        ],
    ).status_code


def download_request(client: Client) -> int:
    card = {"type": DOWNLOAD, "card": "x"}
    return client.callback(
        [(card, "data")],
        [prop({**card, "type": CSV_BUTTON}, "n_clicks", 1), prop({**card, "type": XLSX_BUTTON}, "n_clicks")],
        [
            prop({**card, "type": DATA_STORE}, "data", {"columns": ["a"], "rows": [{"a": 1}]}),
            prop({**card, "type": "filename"}, "data", "x"),
        ],
        output=MATCHED_DOWNLOAD,
    ).status_code


CALLBACKS = {
    "upload": (upload_request, ("nji", "coordinator")),
    "template": (lambda client: template_request(client, COORDINATOR_REGION), ("nji", "coordinator")),
    "template-other-region": (lambda client: template_request(client, OTHER_REGION), ("nji",)),
    "round-toggle": (toggle_request, ("nji",)),
    "export": (export_request, ("nji", "steering")),
    "chart-download": (download_request, ROLES),
}


@pytest.mark.parametrize("callback", sorted(CALLBACKS))
def test_every_callback_refuses_crafted_requests_from_roles_it_is_not_for(
    world: World, callback: str, table_snapshot
) -> None:
    send, allowed = CALLBACKS[callback]
    for role in ROLES:
        if role in allowed and callback == "round-toggle":
            continue  # a change by NJi is tested in test_admin.py; here it would close the round for the others
        before = table_snapshot(world.engine)
        status = send(world.clients[role])
        after = table_snapshot(world.engine)
        if role in allowed:
            assert status == 200, (callback, role)
            continue
        assert status == 204, (callback, role)  # no content: nothing drawn, nothing sent
        assert {table for table in before if before[table] != after[table]} == {"audit_log"}
        denied = [row for row in after["audit_log"] if row not in before["audit_log"]]
        assert len(denied) == 1 and "access.denied" in denied[0] and USERS[role][0] in denied[0]
    assert send(Client(world.app)) == 401


def test_export_downloads_are_for_nji_and_steering_only(world: World) -> None:
    path = "/export/download/00000000-0000-4000-8000-000000000000"  # no such job
    assert world.clients["coordinator"].http.get(path).status_code == 403
    assert world.clients["steering"].http.get(path).status_code == 404
    assert Client(world.app).http.get(path).status_code == 302


# --- comments and exports ---------------------------------------------------------------------------------------


def test_comments_from_workbooks_are_shown_as_text_never_as_html(world: World) -> None:
    response = world.clients["coordinator"].route(f"/gemeente/{world.own_municipality}")
    layout = response.get_json()["response"]["page"]["children"]
    grid = next(c for c in walk(layout) if c.get("props", {}).get("id") == "assessment-table")
    comment_column = next(d for d in grid["props"]["columnDefs"] if d["field"] == "comment")
    assert "cellRenderer" not in comment_column  # ag-grid shows the value as text
    assert OWN_COMMENT in [row["comment"] for row in grid["props"]["rowData"]]
    region = world.clients["coordinator"].route(f"/regio/{COORDINATOR_REGION}", "?ronde=2009")
    graphs = [c for c in walk(region.get_json()["response"]["page"]["children"]) if c.get("type") == "Graph"]
    hover = json.dumps(next(g for g in graphs if g["props"]["id"].get("name") == "heatmap")["props"]["figure"]["data"])
    assert "<script>" not in hover and "&lt;script&gt;" in hover  # plotly's hover would render tags


def test_downloads_write_formulas_as_text(world: World) -> None:
    dangerous = ['=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-1+1", "\tcmd", OWN_COMMENT]
    card = {"type": DOWNLOAD, "card": "assessments"}
    data = {"columns": ["comment"], "rows": [{"comment": value} for value in dangerous]}
    response = world.clients["steering"].callback(
        [(card, "data")],
        [prop({**card, "type": CSV_BUTTON}, "n_clicks", 1), prop({**card, "type": XLSX_BUTTON}, "n_clicks")],
        [prop({**card, "type": DATA_STORE}, "data", data), prop({**card, "type": "filename"}, "data", "toelichtingen")],
        output=MATCHED_DOWNLOAD,
    )
    sent = response.get_json()["response"][component_id(card)]["data"]
    rows = list(csv.reader(io.StringIO(base64.b64decode(sent["content"]).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in dangerous[:-1]] + [OWN_COMMENT]
