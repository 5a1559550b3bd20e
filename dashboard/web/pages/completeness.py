"""Aanlevering / Completeness (`/aanlevering`): expected vs received returns per region, the last upload, and the
rejected uploads with their issues. Coordinators see the chart of every region, but the table and the rejected
files of their own regions (and their own uploads) only."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard.analytics.report import completeness_table, round_report
from dashboard.figures import charts as figures
from dashboard.i18n import MISSING, count_text
from dashboard.web import components as c
from dashboard.web.pages.view import Page, View, heading

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M"


def _timestamp(value: Any) -> str:
    """A UTC timestamp as `2011-02-01 09:30 UTC`; empty when there is none."""
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value).strftime(TIMESTAMP_FORMAT)} UTC"


def _text(value: Any, empty: str = "") -> str:
    """A value from a table as text: `empty` for a missing one (never "nan")."""
    return empty if value is None or pd.isna(value) or not str(value).strip() else str(value)


def rejected_list(view: View, rejected: pd.DataFrame, issues: pd.DataFrame) -> html.Div:
    """Each rejected file with every issue: sheet, cell and the message in the page's language."""
    if rejected.empty:
        return c.empty_state(view.t("empty.no_rejected"), element_id="no-rejected")
    message = "message_en" if view.lang == "en" else "message_nl"
    blocks = []
    for upload in rejected.itertuples():
        found = issues[issues["upload_id"] == upload.upload_id]
        rows = [
            html.Tr(
                [
                    html.Td(view.t(f"severity.{issue.severity}")),
                    html.Td(_text(issue.sheet)),
                    html.Td(_text(issue.cell)),
                    html.Td(getattr(issue, message)),
                ]
            )
            for issue in found.itertuples()
        ]
        blocks.append(
            html.Details(
                [
                    html.Summary(
                        " · ".join(
                            (
                                upload.filename,
                                _text(upload.region_code, MISSING),
                                _timestamp(upload.uploaded_at),
                                count_text("issues.count", int(upload.n_issues), view.lang),
                            )
                        )
                    ),
                    html.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th(view.t(k))
                                        for k in ("col.severity", "col.sheet", "col.cell", "col.message")
                                    ]
                                )
                            ),
                            html.Tbody(rows),
                        ],
                        className="issues",
                    ),
                ],
                className="rejected-upload",
                open=True,
            )
        )
    return html.Div(blocks, id="rejected-list")


def visible_rejections(view: View, rejected: pd.DataFrame, issues: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rejected uploads (and their issues) this user may see: for a coordinator, those of their own regions
    and those they uploaded themselves."""
    mine = rejected["region_code"].map(view.user.sees_region).astype(bool) | (rejected["uploader"] == view.user.email)
    rejected = rejected[mine]
    return rejected, issues[issues["upload_id"].isin(rejected["upload_id"])]


def layout(view: View) -> list[Any]:
    """Completeness of the chosen round."""
    report = round_report(view.engine, view.round, lang=view.lang)
    table = completeness_table(view.engine, view.round)
    label, lang = table.round_label, view.lang
    own = view.in_scope(table.regions)
    rejected, found = visible_rejections(view, table.rejected, table.issues)
    regions = own.assign(
        completeness_percent=(own["completeness"] * 100).round(1),
        last_upload_text=[_timestamp(v) for v in own["last_upload"]],
    )
    columns = [
        ("region_name", view.t("col.region")),
        ("region_code", view.t("col.code")),
        ("n_expected", view.t("col.expected")),
        ("n_returns", view.t("col.received")),
        ("completeness_percent", view.t("col.completeness") + " (%)"),
        ("n_accepted", view.t("col.accepted")),
        ("n_rejected", view.t("col.rejected")),
        ("last_upload_text", view.t("col.last_upload")),
    ]
    meta = f"{view.t('round', label=label)} · {view.t('source')}"
    issues = found.merge(rejected[["upload_id", "filename", "region_code"]], on="upload_id", how="left")
    return [
        heading(view, report, "completeness.title"),
        html.Div(
            [
                c.card(
                    "completeness",
                    c.nav_graph(
                        "completeness",
                        figures.completeness_figure(table.regions, round_label=label, lang=lang),
                        "region",
                        0,
                    ),
                    table.regions,
                    f"raak_aanlevering_{label}",
                    lang,
                ),
                c.card(
                    "completeness-table",
                    c.data_grid(
                        "completeness-grid",
                        regions,
                        columns,
                        links={"region_code": view.href("/regio/{}")},
                        lang=lang,
                    ),
                    own,
                    f"raak_aanlevering_tabel_{label}",
                    lang,
                    title=view.t("table.completeness"),
                    meta=meta,
                ),
            ],
            className="stack",
        ),
        c.card(
            "rejected",
            rejected_list(view, rejected, found),
            issues,
            f"raak_afgewezen_{label}",
            lang,
            title=view.t("table.rejected"),
            meta=meta,
        ),
    ]


PAGE = Page(path="/aanlevering", layout=layout, nav_label="nav.completeness", order=40)
