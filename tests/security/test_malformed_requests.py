"""Callback requests dash-renderer never sends — not JSON, `null`, `[]`, missing fields, wrong types — answer 400
with a message in Dutch and English, never 500; log-in and the CSRF token are still checked first."""

from __future__ import annotations

import json
from typing import Any

import dash
import pytest
from corpus.builders import add_rounds, sqlite_only
from corpus.web import SECRET_KEY, USERS, Client, add_users, component_id, logged_in
from sqlalchemy import Engine

from dashboard.web.app import create_app

CALLBACK = "/_dash-update-component"
ROUTER = "..header.children...banner.children...page.children.."
ROUTER_OUTPUTS = [{"id": name, "property": "children"} for name in ("header", "banner", "page")]
WRONG_VALUES = [None, 5, -1, 2.5, True, "x" * 40, "", "2009", ["a"], {"a": 1}]


def router(pathname: Any = "/", search: Any = "") -> dict[str, Any]:
    """The router callback's body with these values."""
    return {
        "output": ROUTER,
        "outputs": ROUTER_OUTPUTS,
        "inputs": [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": search},
        ],
        "state": [],
        "changedPropIds": ["url.pathname"],
    }


MALFORMED: dict[str, bytes] = {
    "not JSON": b"{bad",
    "null": b"null",
    "a list": b"[]",
    "a number": b"5",
    "an empty object": b"{}",
    "no inputs": json.dumps({"output": ROUTER}).encode(),
    "an unknown callback": json.dumps({**router(), "output": "nothing.children"}).encode(),
    "fields of the wrong type": json.dumps({"output": 5, "inputs": 3, "state": "x"}).encode(),
    "an input without property": json.dumps({**router(), "inputs": [{"id": "url"}, {"id": "url"}]}).encode(),
    "one input too few": json.dumps({**router(), "inputs": router()["inputs"][:1]}).encode(),
    "outputs of the wrong shape": json.dumps({**router(), "outputs": {"id": "page"}}).encode(),
    "a path that is a number": json.dumps(router(pathname=5)).encode(),
    "a list for a path": json.dumps(router(pathname=["/"])).encode(),
    "changedPropIds not a list": json.dumps({**router(), "changedPropIds": "url.pathname"}).encode(),
}


@pytest.fixture
def app(engine: Engine) -> dash.Dash:
    add_rounds(engine, "2009")
    add_users(engine)
    return create_app(engine, secret_key=SECRET_KEY)


def post(client: Client, body: bytes, *, token: bool = True, content_type: str = "application/json") -> Any:
    headers = {"X-CSRFToken": client.csrf} if token else {}
    return client.http.post(CALLBACK, data=body, content_type=content_type, headers=headers)


def assert_refused_in_both_languages(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    answer = response.get_json()
    assert answer["error"] == code
    assert answer["message_nl"] and answer["message_en"] and answer["message_nl"] != answer["message_en"]


@sqlite_only
@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_callback_gets_400_in_both_languages(app: dash.Dash, kind: str) -> None:
    nji = logged_in(app, USERS["nji"][0])
    assert_refused_in_both_languages(post(nji, MALFORMED[kind]), 400, "malformed_callback")


@sqlite_only
def test_a_callback_body_that_is_not_json_typed_gets_400(app: dash.Dash) -> None:
    nji = logged_in(app, USERS["nji"][0])
    response = post(nji, json.dumps(router()).encode(), content_type="text/plain")
    assert_refused_in_both_languages(response, 400, "malformed_callback")


@sqlite_only
@pytest.mark.parametrize("kind", ["null", "a list", "no inputs"])
def test_a_malformed_callback_still_needs_log_in_and_the_csrf_token(app: dash.Dash, kind: str) -> None:
    assert_refused_in_both_languages(post(Client(app), MALFORMED[kind], token=False), 401, "login_required")
    nji = logged_in(app, USERS["nji"][0])
    assert_refused_in_both_languages(post(nji, MALFORMED[kind], token=False), 400, "csrf")


def _concrete(declared: str) -> Any:
    """A component id that fits a declared (maybe pattern-matching) one."""
    if not declared.startswith("{"):
        return declared
    return {key: "2009" if isinstance(value, list) else value for key, value in json.loads(declared).items()}


def _is_many(declared: str) -> bool:
    return declared.startswith("{") and ["ALL"] in json.loads(declared).values()


def well_shaped(app: dash.Dash, name: str, value: Any) -> dict[str, Any]:
    """A request for callback `name` shaped as dash-renderer sends it, with `value` in every input and state."""
    callback = app.callback_map[name]
    declared = callback["output"] if isinstance(callback["output"], list) else [callback["output"]]
    outputs = [{"id": _concrete(o.component_id_str()), "property": o.component_property} for o in declared]

    def entry(dependency: dict[str, str]) -> Any:
        one = {"id": _concrete(dependency["id"]), "property": dependency["property"], "value": value}
        return [one] if _is_many(dependency["id"]) else one

    first = callback["inputs"][0]
    return {
        "output": name,
        "outputs": outputs if isinstance(callback["output"], list) else outputs[0],
        "inputs": [entry(d) for d in callback["inputs"]],
        "state": [entry(d) for d in callback["state"]],
        "changedPropIds": [f"{component_id(_concrete(first['id']))}.{first['property']}"],
    }


def test_no_callback_answers_500_to_values_of_any_type(app: dash.Dash) -> None:
    """Every server callback of the app, each value of WRONG_VALUES in every input and state (both backends: an
    over-long text must not reach PostgreSQL unchecked)."""
    nji = logged_in(app, USERS["nji"][0])
    answers = {}
    for name, callback in app.callback_map.items():
        if "callback" not in callback:  # a clientside callback: nothing runs in the server
            continue
        for value in WRONG_VALUES:
            response = post(nji, json.dumps(well_shaped(app, name, value)).encode())
            answers[(name[:60], repr(value))] = response.status_code
    failed = {key: status for key, status in answers.items() if status >= 500}
    assert not failed
    assert set(answers.values()) <= {200, 204, 400}
