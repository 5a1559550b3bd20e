"""Shared layout pieces: KPI card, chart card with CSV/XLSX download, data grid, empty state, header controls.

Every chart card carries its data in a `dcc.Store`, so a download gives exactly the rows the chart shows, or,
for a table that grows with the number of rounds, links to a route of its page that writes it on the server
(`table_file`); text that a spreadsheet would run as a formula is neutralised on the way out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import flask
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboard.analytics.report import jsonable
from dashboard.exports import downloads
from dashboard.exports.downloads import neutralise
from dashboard.i18n import Lang, grid_number_format, normalize_language, t

CSV_BUTTON, XLSX_BUTTON, DATA_STORE, DOWNLOAD = "download-csv", "download-xlsx", "chart-data", "download"
NAV_GRAPH = "nav-graph"  # graphs whose click opens another page; see dashboard.web.app.click_href
NAV_SELECT = "nav-select"  # dropdowns whose choice opens another page (e.g. the region selector)
NAV_LOOKUP = "nav-lookup"  # label → code of a NAV_GRAPH whose click names its subject by the y label
Y_LABEL = "y"
GRID_PAGE_SIZE = 50
ALTERNATIVE_MAX_ROWS = 60  # rows in a chart's text table; the download has them all
ALTERNATIVE_SKIPPED = ("color",)  # columns that mean nothing read aloud
GRID_DECIMALS = 1  # percentages in tables, as on the cards
# A column is at least as wide as its longest word (a cell's or its header's), so text wraps between words and a word
# is never cut; a word longer than the widest least width breaks across lines instead.
GRID_CHAR_PX = 7.5  # a character of the grid's 14-px text, with room to spare
GRID_CELL_PADDING_PX = 34  # a cell's padding on both sides
GRID_HEADER_ICONS_PX = 44  # the header's sort and filter icons beside its text
GRID_MIN_COLUMN_PX, GRID_MAX_COLUMN_PX = 90, 360
GRID_CELL_STYLE = {"overflowWrap": "anywhere", "lineHeight": "1.45", "paddingTop": "10px", "paddingBottom": "10px"}
GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
FILE_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


# --- downloads ----------------------------------------------------------------------------------------------


def table_data(frame: pd.DataFrame, lang: Lang = "nl") -> dict[str, Any]:
    """A JSON-safe copy of `frame` for a chart card's store (dates as ISO text, NaN as empty) and its language."""
    return {"columns": [str(c) for c in frame.columns], "rows": jsonable(frame), "lang": lang}


def export_bytes(data: dict[str, Any], fmt: str) -> bytes:
    """A stored table as CSV or XLSX in the store's language (see dashboard.exports.downloads), formulas neutralised."""
    frame = pd.DataFrame(data["rows"], columns=data["columns"])
    frame = frame.apply(lambda column: column.map(neutralise))
    lang = normalize_language(data.get("lang"))
    return downloads.csv_bytes(frame, lang) if fmt == "csv" else downloads.xlsx_bytes(frame, lang)


def table_file(frame: pd.DataFrame, fmt: str, lang: Lang, filename: str) -> flask.Response:
    """A table as the file a card's download button gives, from a page's download route (404 for a format other
    than csv or xlsx)."""
    if fmt not in FILE_TYPES:
        flask.abort(404)
    content = export_bytes(table_data(frame, lang), fmt)
    return flask.send_file(
        io.BytesIO(content), mimetype=FILE_TYPES[fmt], as_attachment=True, download_name=f"{filename}.{fmt}"
    )


def download(fmt: str, data: dict[str, Any] | None, filename: str) -> dict[str, Any] | None:
    """What a download button sends: `dcc.Download` data for `filename.csv` or `filename.xlsx`."""
    if not data:
        return None
    return dcc.send_bytes(export_bytes(data, fmt), f"{filename}.{fmt}")


# --- cards --------------------------------------------------------------------------------------------------


def kpi_card(kpi_id: str, label: str, value: str, note: str | None = None, *, selected: bool = False) -> html.Div:
    """One key figure: a label, the value large, and a line of context; `selected` highlights it."""
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="kpi-value", id=f"kpi-{kpi_id}"),
            html.Div(note or "", className="kpi-note"),
        ],
        className="kpi-card selected" if selected else "kpi-card",
    )


def graph(graph_id: str | dict[str, Any], figure: go.Figure) -> dcc.Graph:
    """A chart without the Plotly logo; `graph_id` may be a NAV_GRAPH id (then a click navigates)."""
    return dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG, className="chart")


def nav_graph(name: str, figure: go.Figure, target: str, field: int) -> dcc.Graph:
    """A chart whose click opens the `target` page (region, municipality, point) of customdata[`field`]."""
    return graph({"type": NAV_GRAPH, "name": name, "target": target, "field": field}, figure)


def nav_graph_by_label(name: str, figure: go.Figure, target: str, codes: dict[str, str]) -> html.Div:
    """A chart whose click opens the `target` page of `codes[y label]` (for heatmaps: Dash drops 2-D customdata)."""
    return html.Div(
        [
            graph({"type": NAV_GRAPH, "name": name, "target": target, "field": Y_LABEL}, figure),
            dcc.Store(id={"type": NAV_LOOKUP, "name": name}, data=codes),
        ]
    )


def card(
    card_id: str,
    body: Any,
    data: pd.DataFrame | None,
    filename: str,
    lang: Lang,
    *,
    title: str | None = None,
    meta: str | None = None,
    hint: str | None = None,
    files: tuple[str, str] | None = None,
) -> html.Section:
    """A chart or table card: optional heading and meta line, the body, a hint, and CSV/XLSX download buttons.

    Charts carry their own title, round and source inside the figure; tables get `title` and `meta` here. The
    buttons download `data` from the page itself, or with `files` (CSV and XLSX addresses) from the server, so a
    large table is not sent with the page.
    """
    header = []
    if title:
        header.append(html.H2(title, className="card-title"))
    if meta:
        header.append(html.P(with_code(meta), className="card-meta"))
    tools: list[Any] = []
    if files is not None:
        tools = [
            html.A(t("download.csv", lang), href=files[0], download="", className="button"),
            html.A(t("download.xlsx", lang), href=files[1], download="", className="button"),
        ]
    elif data is not None:
        tools = [
            html.Button(t("download.csv", lang), id={"type": CSV_BUTTON, "card": card_id}, className="button"),
            html.Button(t("download.xlsx", lang), id={"type": XLSX_BUTTON, "card": card_id}, className="button"),
            dcc.Store(id={"type": DATA_STORE, "card": card_id}, data=table_data(data, lang)),
            dcc.Store(id={"type": "filename", "card": card_id}, data=filename),
            dcc.Download(id={"type": DOWNLOAD, "card": card_id}),
        ]
    footer = html.Div(
        [html.Span(hint or "", className="card-hint"), html.Div(tools, className="card-tools")], className="card-footer"
    )
    chart = _find_graph(body)
    if chart is not None and data is not None:
        body = chart_alternative(card_id, body, chart, data, lang)
    return html.Section([*header, body, footer], className="card", id=f"card-{card_id}")


def _find_graph(component: Any) -> dcc.Graph | None:
    """The first chart inside a component tree (None when the card holds a table)."""
    if isinstance(component, dcc.Graph):
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find_graph(child)
            if found is not None:
                return found
    return None


def _figure_title(chart: dcc.Graph) -> str:
    figure = chart.figure
    layout = figure.layout if isinstance(figure, go.Figure) else go.Layout((figure or {}).get("layout", {}))
    return str(layout.title.text or "") if layout.title else ""


def _cell_text(column: str, value: Any, lang: Lang) -> str:
    """A value as the text table shows it: shares as percentages, yes/no in words, empty as a dash."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if column in downloads.BOOLEAN_COLUMNS:
        return downloads.yes_no(value, lang)
    if column in downloads.PERCENT_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
        return str(downloads.percent_text(value, lang))
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",") if lang == "nl" else f"{value:g}"
    return str(value)


def chart_alternative(card_id: str, body: Any, chart: dcc.Graph, data: pd.DataFrame, lang: Lang) -> html.Div:
    """The chart as a labelled figure, described by its numbers as a table (WCAG 1.1.1: a text alternative)."""
    table_id = f"card-{card_id}-table"
    columns = [column for column in data.columns if column not in ALTERNATIVE_SKIPPED]
    shown = data.head(ALTERNATIVE_MAX_ROWS)
    table = html.Table(
        [
            html.Caption(_figure_title(chart) or t("chart.table", lang)),
            html.Thead(html.Tr([html.Th(downloads.header(c, lang), scope="col") for c in columns])),
            html.Tbody(
                [html.Tr([html.Td(_cell_text(c, row[c], lang)) for c in columns]) for _, row in shown.iterrows()]
            ),
        ],
        className="chart-table",
    )
    note = (
        [html.P(t("chart.table.truncated", lang, shown=len(shown), total=len(data)))] if len(data) > len(shown) else []
    )
    details = html.Details(
        [html.Summary(t("chart.table", lang)), html.Div([table, *note], className="chart-table-wrap", tabIndex="0")],
        id=table_id,
        className="chart-alternative",
    )
    label = _figure_title(chart) or t("chart.table", lang)
    return html.Div([html.Div(body, role="figure", **{"aria-label": label, "aria-describedby": table_id}), details])


def with_code(message: str) -> list[Any]:
    """A text whose `backticked` parts are commands: those become <code> elements, so no backtick is shown."""
    parts = message.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick is text, not markup
        return [message.replace("`", "")]
    return [html.Code(part) if index % 2 else part for index, part in enumerate(parts) if part]


def empty_state(message: str, *, element_id: str | None = None) -> html.Div:
    """What to show instead of an empty chart: what is missing and what to do about it (commands as code)."""
    return html.Div(html.P(with_code(message)), className="empty-state", **({"id": element_id} if element_id else {}))


def data_grid(
    grid_id: str,
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    *,
    links: dict[str, str] | None = None,
    height: int | None = None,
    lang: Lang | None = None,
) -> dag.AgGrid:
    """A sortable, filterable table of `frame`'s `columns` (field, header); values are shown as text, never HTML.

    `links` maps a column to a URL template: the cell links to `template.format(value)` (e.g. `/gemeente/{}`).
    With `lang`, numbers are written in that language (decimal comma in Dutch; one decimal for fractions).
    """
    column_defs = []
    for field, header in columns:
        definition: dict[str, Any] = {"field": field, "headerName": header, "sortable": True, "filter": True}
        shown = frame[field]
        if lang and pd.api.types.is_numeric_dtype(frame[field]) and not pd.api.types.is_bool_dtype(frame[field]):
            digits = GRID_DECIMALS if pd.api.types.is_float_dtype(frame[field]) else 0
            definition.update(valueFormatter=grid_number_format(lang, digits), type="numericColumn")
            shown = shown.round(digits)  # as the formatter writes it, not every digit of the float
        definition["minWidth"] = _least_width(header, shown)
        if links and field in links:
            definition["cellRenderer"] = "markdown"  # a link opening in the same tab; HTML stays text
        column_defs.append(definition)
    rows = jsonable(frame[[field for field, _ in columns]])
    if links:
        for row in rows:
            for field, template in links.items():
                if row.get(field) is not None:
                    row[field] = f"[{_markdown_text(str(row[field]))}]({template.format(row[field])})"
    return dag.AgGrid(
        id=grid_id,
        columnDefs=column_defs,
        rowData=rows,
        defaultColDef={
            "resizable": True,
            "wrapText": True,
            "autoHeight": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
            "cellStyle": GRID_CELL_STYLE,
        },
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "pagination": len(rows) > GRID_PAGE_SIZE,
            "paginationPageSize": GRID_PAGE_SIZE,
            "domLayout": "autoHeight" if height is None else "normal",
        },
        style={"height": height} if height else None,
        className="ag-theme-quartz",
    )


def _least_width(header: str, values: pd.Series) -> int:
    """The px a column needs for its longest word, a cell's or its header's (which shares its row with two icons)."""
    words = values.dropna().astype(str).str.split().explode().dropna()
    cell = int(words.str.len().max()) if not words.empty else 0
    head = max((len(word) for word in header.split()), default=0)
    need = max(cell * GRID_CHAR_PX, head * GRID_CHAR_PX + GRID_HEADER_ICONS_PX) + GRID_CELL_PADDING_PX
    return max(GRID_MIN_COLUMN_PX, min(round(need), GRID_MAX_COLUMN_PX))


def _markdown_text(text: str) -> str:
    """Escape the characters Markdown would interpret, so a link's label is shown as typed."""
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!<>|" else c for c in text)


# --- header controls ----------------------------------------------------------------------------------------


def round_selector(rounds: Sequence[str], selected: str | None, lang: Lang) -> html.Div:
    """The global round dropdown; changing it rewrites `?ronde=` in the URL (see dashboard.web.app)."""
    return html.Div(
        [
            html.Label(t("nav.round", lang), htmlFor="round-select", className="control-label"),
            dcc.Dropdown(
                id="round-select",
                options=[{"label": label, "value": label} for label in rounds],
                value=selected,
                clearable=False,
                searchable=False,
                className="round-select",
            ),
        ],
        className="control",
    )


def language_switch(hrefs: dict[Lang, str], lang: Lang) -> html.Nav:
    """NL | EN links that keep the page and the round."""
    links = []
    for code, href in hrefs.items():
        links.append(
            dcc.Link(
                code.upper(),
                href=href,
                id=f"lang-{code}",
                className="lang-link active" if code == lang else "lang-link",
                title=t("nav.language", code),
            )
        )
    return html.Nav(links, className="lang-switch", **{"aria-label": t("nav.language", lang)})
