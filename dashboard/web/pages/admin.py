"""Beheer / Administration (`/beheer`, NJi only): open and close rounds, set deadlines, add a round; the users; the
audit log (who did what, when and from where).

Changes go through `etl.admin.rounds`, which audits them; this page adds who (the logged-in user) and from where (the
client address); reads go through `dashboard.analytics.admin_views`. The callbacks re-check the role: a crafted
request from anyone else changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import pandas as pd
from dash import ALL, Input, Output, State, dcc, html

from dashboard.analytics import Engine, admin_views
from dashboard.analytics.report import all_rounds
from dashboard.i18n import Lang, long_date, t
from dashboard.web import components as c
from dashboard.web.auth import Principal, client_address, require_role
from dashboard.web.pages.view import Page, View, language_of
from etl.admin.rounds import MAX_LABEL_LENGTH, RoundLabelTooLong, change_deadline, create_round, toggle_round
from etl.store.issues import UserError

AUDIT_ROWS = 2000  # the newest entries shown (and downloadable); older ones stay in the database
ROUNDS, MESSAGE = "admin-rounds", "admin-message"
TOGGLE, DEADLINE, SAVE = "round-toggle", "round-deadline", "round-deadline-save"
NEW_LABEL, NEW_REFERENCE, NEW_DEADLINE = "round-new-label", "round-new-reference", "round-new-deadline"
ADD = "round-add"


def rounds_table(engine: Engine, lang: Lang) -> html.Table:
    """Every round with its state, a button to open or close it and its deadline to change."""
    found = all_rounds(engine)
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


def users_frame(engine: Engine, lang: Lang) -> pd.DataFrame:
    """Every user with role, regions and whether they can log in (never a password hash)."""
    return pd.DataFrame(
        [
            {
                "email": view.email,
                "role": t(f"role.{view.role}", lang),
                "regions": ", ".join(view.regions),
                "active": t("yes" if view.is_active else "no", lang),
            }
            for view in admin_views.users(engine)
        ],
        columns=["email", "role", "regions", "active"],
    )


def layout(view: View) -> list[Any]:
    """Rounds, users and the audit log."""
    audit = admin_views.audit_entries(view.engine, AUDIT_ROWS)
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
    who: dict[str, Any] = {"actor": user.email, "remote_addr": remote_addr}
    try:
        if action == TOGGLE:
            changed = toggle_round(engine, label, **who)
            return t("admin.done.open" if changed.is_open else "admin.done.close", lang, round=label)
        if action == SAVE:
            deadline = parse_date(values.get("deadline"))
            change_deadline(engine, label, deadline, **who)
            return t("admin.done.deadline", lang, round=label, date=long_date(deadline, lang))
        reference = parse_date(values.get("reference"))
        if reference is None:
            return t("admin.add.need_reference", lang)
        added = create_round(engine, label, reference, deadline=parse_date(values.get("deadline")), **who)
        return t("admin.done.add", lang, round=added.label)
    except ValueError:
        return t("admin.invalid_date", lang)
    except RoundLabelTooLong:
        raise  # the form never sends one (maxLength): a crafted request, answered 400 (dashboard.web.failures)
    except UserError as exc:
        return t("admin.failed", lang, reason=exc.message(lang))


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
        user = require_role(*PAGE.roles)
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


PAGE = Page(
    path="/beheer",
    layout=layout,
    nav_label="nav.admin",
    order=70,
    roles=("nji",),
    needs_round=False,
    callbacks=register_callbacks,
)
