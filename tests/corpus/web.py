"""The web app as a browser uses it, without a browser: users of each role, the Flask test client logged in
through the form, and Dash callbacks sent as dash-renderer sends them (see `Client`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import dash
from flask.testing import FlaskClient
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from dashboard.web.auth import CSRF_COOKIE
from dashboard.web.pages import admin
from etl.admin.users import add_user
from etl.store.db import session_scope

__all__ = ["CSRF_COOKIE"]  # with the names below: what the web tests import from here

SECRET_KEY = "test-secret-key-" + "k" * 32
PASSWORD = "correct horse battery staple"
COORDINATOR_REGION = "GG3906"  # GGD Den Haag: one municipality, 's-Gravenhage
OTHER_REGION = "GG3406"  # GGD Amsterdam
USERS = {
    "nji": ("nji@test.nl", ()),
    "coordinator": ("coordinator@test.nl", (COORDINATOR_REGION,)),
    "steering": ("steering@test.nl", ()),
}
MATCHED_DOWNLOAD = '{"card":["MATCH"],"type":"download"}.data'  # the card download callback's name
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_users(engine: Engine, password: str = PASSWORD) -> dict[str, str]:
    """One user of each role (the coordinator for COORDINATOR_REGION); role → e-mail address."""
    with session_scope(engine) as session:
        for role, (email, regions) in USERS.items():
            add_user(session, email, role, password, regions=regions, actor="test")
    return {role: email for role, (email, _) in USERS.items()}


def component_id(value: Any) -> str:
    """A component id as Dash writes it in callback names: dict ids as compact JSON with sorted keys."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")) if isinstance(value, dict) else str(value)


def output_key(outputs: list[tuple[Any, str]]) -> str:
    """Dash's name of a callback by its outputs: `id.prop`, or `..a.x...b.y..` for several."""
    names = [f"{component_id(i)}.{p}" for i, p in outputs]
    return names[0] if len(names) == 1 else ".." + "...".join(names) + ".."


def prop(ident: Any, name: str, value: Any = None) -> dict[str, Any]:
    """One input or state entry of a callback request."""
    return {"id": ident, "property": name, "value": value}


class Client:
    """The app's Flask test client as a browser would use it: log in through the form, then send Dash callbacks
    with the `_csrf_token` cookie as the X-CSRFToken header (as dash-renderer does)."""

    def __init__(self, app: dash.Dash) -> None:
        self.app = app
        self.http: FlaskClient = app.server.test_client()

    def name(self, outputs: list[tuple[Any, str]]) -> str:
        """The registered name of the callback with these outputs (`allow_duplicate` ones carry an @hash)."""
        wanted = output_key(outputs)
        found = [key for key in self.app.callback_map if re.sub(r"@[0-9a-f]+", "", key) == wanted]
        return found[0] if found else wanted

    def form_token(self) -> str:
        """The CSRF token of a fresh log-in form."""
        found = TOKEN_FIELD.search(self.http.get("/login").get_data(as_text=True))
        assert found, "the log-in page has no CSRF field"
        return found.group(1)

    def login(self, email: str, password: str = PASSWORD, **fields: str) -> TestResponse:
        """Submit the log-in form (with its CSRF token) as a person would."""
        data = {"email": email, "password": password, "csrf_token": self.form_token(), **fields}
        return self.http.post("/login", data=data)

    @property
    def csrf(self) -> str:
        """The `_csrf_token` cookie the server set (empty before log-in)."""
        cookie = self.http.get_cookie(CSRF_COOKIE)
        return cookie.value if cookie else ""

    def callback(
        self,
        outputs: list[tuple[Any, str]],
        inputs: list[Any],
        state: list[Any] | None = None,
        *,
        changed: list[str] | None = None,
        headers: dict[str, str] | None = None,
        output: str | None = None,
    ) -> TestResponse:
        """POST /_dash-update-component exactly as dash-renderer would for these outputs, inputs and state
        (`output`: the callback's name when its outputs are pattern-matching, e.g. `{"card":["MATCH"],...}.data`)."""
        first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
        described = [{"id": i, "property": p} for i, p in outputs]
        body = {
            "output": output or self.name(outputs),
            "outputs": described if len(described) > 1 else described[0],
            "inputs": inputs,
            "state": state or [],
            "changedPropIds": changed or [f"{component_id(first['id'])}.{first['property']}"],
        }
        return self.http.post(
            "/_dash-update-component", json=body, headers={"X-CSRFToken": self.csrf, **(headers or {})}
        )

    def route(self, path: str, search: str = "", headers: dict[str, str] | None = None) -> TestResponse:
        """The router callback: header, banner and page for a URL."""
        return self.callback(
            [("header", "children"), ("banner", "children"), ("page", "children")],
            [prop("url", "pathname", path), prop("url", "search", search)],
            headers=headers,
        )

    def page(self, path: str, search: str = "") -> str:
        """The JSON of the page the router draws for a URL (fails on anything but 200)."""
        response = self.route(path, search)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return json.dumps(response.get_json()["response"]["page"]["children"], ensure_ascii=False)


def logged_in(app: dash.Dash, email: str, password: str = PASSWORD) -> Client:
    client = Client(app)
    response = client.login(email, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def walk(node: object) -> Iterator[dict]:
    """Every component (as JSON) in a layout."""
    if isinstance(node, list):
        for item in node:
            yield from walk(item)
    elif isinstance(node, dict):
        yield node
        yield from walk(node.get("props", {}).get("children"))


def act(client: Client, kind: str, label: str = "2009", **values: str | None) -> tuple[int, str]:
    """Press a button on /beheer as the browser would: (HTTP status, the message shown)."""
    toggles = [prop({"type": admin.TOGGLE, "round": label}, "n_clicks", 1 if kind == admin.TOGGLE else None)]
    saves = [prop({"type": admin.SAVE, "round": label}, "n_clicks", 1 if kind == admin.SAVE else None)]
    trigger = admin.ADD if kind == admin.ADD else component_id({"type": kind, "round": label})
    response = client.callback(
        [(admin.ROUNDS, "children"), (admin.MESSAGE, "children")],
        [toggles, saves, prop(admin.ADD, "n_clicks", 1 if kind == admin.ADD else None)],
        [
            [prop({"type": admin.DEADLINE, "round": label}, "value", values.get("deadline"))],
            prop(admin.NEW_LABEL, "value", label),
            prop(admin.NEW_REFERENCE, "value", values.get("reference")),
            prop(admin.NEW_DEADLINE, "value", values.get("deadline")),
            prop("url", "search", ""),
        ],
        changed=[f"{trigger}.n_clicks"],
    )
    if response.status_code != 200:
        return response.status_code, ""
    return 200, response.get_json()["response"][admin.MESSAGE]["children"]
