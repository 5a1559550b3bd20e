"""Beheer / Administration (`/beheer`, NJi only): open and close rounds, set deadlines, add a round; the users; the
audit log (who did what, when and from where).

Changes go through `etl.admin.rounds`, which audits them; this page adds who (the logged-in user) and from where (the
client address). The callbacks re-check the role: a crafted request from anyone else changes nothing.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, dcc, html
from sqlalchemy import Engine, select

from dashboard.analytics.queries import rounds, snapshot
from dashboard.i18n import Lang, long_date, t
from dashboard.web import components as c
from dashboard.web.auth import Principal, client_address, require_role
from dashboard.web.pages.view import View, language_of
from dashboard.web.security import session_from
from etl.admin.rounds import MAX_LABEL_LENGTH, RoundLabelTooLong, add_round, set_deadline, set_round_open
from etl.admin.users import list_users
from etl.store import models as m
from etl.store.db import session_scope
from etl.store.issues import UserError

ROLES = ("nji",)
NEEDS_ROUND = False
AUDIT_ROWS = 2000  # the newest entries shown (and downloadable); older ones stay in the database
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
ROUNDS, MESSAGE = "admin-rounds", "admin-message"
TOGGLE, DEADLINE, SAVE = "round-toggle", "round-deadline", "round-deadline-save"
NEW_LABEL, NEW_REFERENCE, NEW_DEADLINE = "round-new-label", "round-new-reference", "round-new-deadline"
ADD = "round-add"


def rounds_table(engine: Engine, lang: Lang) -> html.Table:
    """Every round with its state, a button to open or close it and its deadline to change."""
    with snapshot(engine) as conn:
        found = rounds(conn)
    head = [
        "col.round",
        "admin.reference_date",
        "admin.division_year",
        "admin.state",
        "admin.deadline",
        "admin.actions",
    ]
    rows = []
    for row in found.itertuples():
        toggle = "admin.close" if row.is_open else "admin.open"
        deadline = row.deadline.isoformat() if row.deadline else ""
        rows.append(
            html.Tr(
                [
                    html.Td(row.label),
                    html.Td(long_date(row.reference_date, lang)),
                    html.Td(str(row.division_year)),
                    html.Td(t("round.open" if row.is_open else "round.closed", lang), id=f"round-state-{row.label}"),
                    html.Td(
                        [
                            html.Label(  # a name for screen readers: the column header is not one
                                [
                                    html.Span(f"{t('admin.deadline', lang)} {row.label}", className="visually-hidden"),
                                    dcc.Input(id={"type": DEADLINE, "round": row.label}, type="date", value=deadline),
                                ]
                            ),
                            html.Button(
                                t("admin.save", lang), id={"type": SAVE, "round": row.label}, className="button"
                            ),
                        ],
                        className="admin-deadline",
                    ),
                    html.Td(html.Button(t(toggle, lang), id={"type": TOGGLE, "round": row.label}, className="button")),
                ]
            )
        )
    if not rows:
        rows = [html.Tr(html.Td(t("admin.no_rounds", lang), colSpan=len(head)))]
    return html.Table(
        [html.Thead(html.Tr([html.Th(t(key, lang)) for key in head])), html.Tbody(rows)],
        className="issues admin-rounds",
    )


def add_round_form(view: View) -> html.Section:
    """Label, reference date and (optional) deadline of a new round; it opens at once."""
    fields = [
        (view.t("col.round"), dcc.Input(id=NEW_LABEL, type="text", placeholder="2012", maxLength=MAX_LABEL_LENGTH)),
        (view.t("admin.reference_date"), dcc.Input(id=NEW_REFERENCE, type="date")),
        (view.t("admin.deadline"), dcc.Input(id=NEW_DEADLINE, type="date")),
    ]
    return html.Section(  # a section, not a div: the card's last div is styled as its footer
        [
            html.H3(view.t("admin.add.title")),
            html.Div(
                [
                    *(html.Label([text, field], className="form-field") for text, field in fields),
                    html.Button(view.t("admin.add"), id=ADD, className="button"),
                ],
                className="form-row",
            ),
        ]
    )


def detail_text(detail: object) -> str:
    """An audit entry's JSON detail as one readable line."""
    if not isinstance(detail, str) or not detail:
        return ""
    try:
        parsed = json.loads(detail)
    except ValueError:
        return detail
    return "; ".join(f"{key}: {value}" for key, value in parsed.items()) if isinstance(parsed, dict) else detail


def audit_frame(engine: Engine) -> pd.DataFrame:
    """The newest AUDIT_ROWS audit entries: at (UTC), actor, action, remote address and detail as text."""
    A = m.AuditLog
    with snapshot(engine) as conn:
        result = conn.execute(
            select(A.at, A.actor, A.action, A.remote_addr, A.detail).order_by(A.id.desc()).limit(AUDIT_ROWS)
        )
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["at"] = [pd.Timestamp(at).strftime(TIMESTAMP_FORMAT) + " UTC" for at in frame["at"]]
    frame["detail"] = frame["detail"].map(detail_text)
    return frame.fillna("")


def users_frame(engine: Engine, lang: Lang) -> pd.DataFrame:
    """Every user with role, regions and whether they can log in (never a password hash)."""
    with session_scope(engine) as session:
        views = list_users(session)
    return pd.DataFrame(
        [
            {
                "email": view.email,
                "role": t(f"role.{view.role}", lang),
                "regions": ", ".join(view.regions),
                "active": t("yes" if view.is_active else "no", lang),
            }
            for view in views
        ],
        columns=["email", "role", "regions", "active"],
    )


def layout(view: View) -> list[Any]:
    """Rounds, users and the audit log."""
    audit = audit_frame(view.engine)
    users = users_frame(view.engine, view.lang)
    audit_columns = [
        ("at", view.t("admin.at")),
        ("actor", view.t("admin.actor")),
        ("action", view.t("admin.action")),
        ("remote_addr", view.t("admin.remote_addr")),
        ("detail", view.t("admin.detail")),
    ]
    user_columns = [
        ("email", view.t("admin.email")),
        ("role", view.t("admin.role")),
        ("regions", view.t("col.region")),
        ("active", view.t("admin.active")),
    ]
    return [
        html.Div(html.H1(view.t("admin.title"), id="page-title"), className="page-heading"),
        html.Section(
            [
                html.H2(view.t("admin.rounds"), className="card-title"),
                html.P(view.t("admin.rounds.text"), className="card-meta"),
                html.Div(rounds_table(view.engine, view.lang), id=ROUNDS),
                html.P(id=MESSAGE, className="upload-message", role="status"),
                add_round_form(view),
            ],
            className="card",
            id="card-rounds",
        ),
        c.card(
            "users",
            c.data_grid("users-grid", users, user_columns),
            users,
            "raak_gebruikers",
            view.lang,
            title=view.t("admin.users"),
            meta=view.t("admin.users.text"),
        ),
        c.card(
            "audit",
            c.data_grid("audit-grid", audit, audit_columns),
            audit,
            "raak_auditlog",
            view.lang,
            title=view.t("admin.audit"),
            meta=view.t("admin.audit.text", rows=AUDIT_ROWS),
        ),
    ]


# --- round changes (plain functions; the callback below wires them) -----------------------------------------


def parse_date(value: Any) -> date | None:
    """A date from an `<input type=date>` (YYYY-MM-DD), None when empty; ValueError otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    return date.fromisoformat(value)


def change_round(
    engine: Engine,
    user: Principal,
    action: str,
    label: str,
    values: dict[str, Any],
    lang: Lang,
    remote_addr: str | None,
) -> str:
    """Do one round change as `user` (TOGGLE, SAVE a deadline, or ADD) and say what happened, in the page's
    language."""
    try:
        with session_from(engine, remote_addr) as session:
            if action == TOGGLE:
                changed = set_round_open(session, label, not current_state(session, label), actor=user.email)
                return t("admin.done.open" if changed.is_open else "admin.done.close", lang, round=label)
            if action == SAVE:
                deadline = parse_date(values.get("deadline"))
                set_deadline(session, label, deadline, actor=user.email)
                return t("admin.done.deadline", lang, round=label, date=long_date(deadline, lang))
            reference = parse_date(values.get("reference"))
            if reference is None:
                return t("admin.add.need_reference", lang)
            added = add_round(session, label, reference, deadline=parse_date(values.get("deadline")), actor=user.email)
            return t("admin.done.add", lang, round=added.label)
    except ValueError:
        return t("admin.invalid_date", lang)
    except RoundLabelTooLong:
        raise  # the form never sends one (maxLength): a crafted request, answered 400 (dashboard.web.failures)
    except UserError as exc:
        return t("admin.failed", lang, reason=exc.message(lang))


def current_state(session: Any, label: str) -> bool:
    """Whether round `label` is open now (an unknown label: RoundError from `etl.admin.rounds`)."""
    is_open = session.scalar(select(m.Round.is_open).where(m.Round.label == label))
    return bool(is_open)


def register_callbacks(app: dash.Dash, engine: Engine) -> None:
    """Open/close, deadline and add-round buttons; NJi only, checked here again."""

    @app.callback(
        Output(ROUNDS, "children"),
        Output(MESSAGE, "children"),
        Input({"type": TOGGLE, "round": ALL}, "n_clicks"),
        Input({"type": SAVE, "round": ALL}, "n_clicks"),
        Input(ADD, "n_clicks"),
        State({"type": DEADLINE, "round": ALL}, "value"),
        State(NEW_LABEL, "value"),
        State(NEW_REFERENCE, "value"),
        State(NEW_DEADLINE, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def _rounds(
        _toggles: Any,
        _saves: Any,
        _add: Any,
        _deadlines: Any,
        new_label: Any,
        new_reference: Any,
        new_deadline: Any,
        search: Any,
    ) -> tuple[Any, str]:
        user = require_role(*ROLES)
        lang = language_of(search if isinstance(search, str) else None)
        triggered = dash.ctx.triggered_id
        if not triggered or not dash.ctx.triggered[0].get("value"):
            raise dash.exceptions.PreventUpdate
        if triggered == ADD:
            values = {"reference": new_reference, "deadline": new_deadline}
            label = new_label if isinstance(new_label, str) else ""
            text = change_round(engine, user, ADD, label, values, lang, client_address())
        elif isinstance(triggered, dict) and triggered.get("type") in (TOGGLE, SAVE):
            label = str(triggered.get("round"))
            by_round = {item["id"].get("round"): item.get("value") for item in dash.ctx.states_list[0]}
            values = {"deadline": by_round.get(label)}
            text = change_round(engine, user, triggered["type"], label, values, lang, client_address())
        else:
            raise dash.exceptions.PreventUpdate
        return rounds_table(engine, lang), text
