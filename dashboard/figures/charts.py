"""Every chart of the dashboard as a pure function: DataFrame(s) + language → plotly Figure.

Each figure has a title with the round, axis titles with units, the data source and, for coverage, the weighting
used. Palettes are colour-blind safe (Okabe-Ito for categories, cividis for coverage, the status scale's own
viridis colours for statuses, passed in as data) and line styles or patterns keep series apart in black and white.
Empty input gives a figure with a centred message saying what to do, never an empty axis.
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.metrics import Lang
from dashboard.i18n import percent, percentage_points, t

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
COVERAGE_COLORSCALE = "Cividis"  # perceptually uniform, made for colour-vision deficiency, monotonic in lightness
NO_RETURN_COLOR = "#f0f0f0"
NO_RETURN_BAR_COLOR = "#bdbdbd"  # legend swatch of "no return"; the bar itself has no length, only its label
MAP_STYLE = "white-bg"  # a blank MapLibre style: no tiles, no network
MAP_HEIGHT_PX = 640
MAP_WIDTH_PX = 560  # assumed plot width for the initial zoom; the figure itself is responsive
MAP_MARGIN_BOTTOM_PX = 40
MAP_PADDING_ZOOM = 0.25
MAPLIBRE_TILE_PX = 512
ROW_HEIGHT_PX = 22
MARGIN_TOP_PX = 90
MARGIN_TOP_AXIS_ON_TOP_PX = 130
MARGIN_BOTTOM_PX = 130  # tick labels, axis title, then the legend and the source line
SOURCE_OFFSET_PX = 6
SOURCE_BAND_PX = 24  # the source line's band along the bottom; the legend sits on top of it
DEFAULT_HEIGHT_PX = 450  # plotly's own default, made explicit
AXIS_HEADROOM = 1.04  # so the 100 % tick and the bar ends are not cut by the plot edge
PERCENT_TICK = 20
MAX_ROUND_TICKS = 12  # round labels on a time axis: two lines each, about 80 px wide at 1280 px
BASE_HEIGHT_PX = MARGIN_TOP_PX + MARGIN_BOTTOM_PX + 60
SHORT_TITLE_CHARS = 48
WRAPPED_LABELS_PX = 60  # room for category labels of up to four lines
LABEL_LINE_CHARS = 14  # characters per line of a wrapped category label (the levels of the care continuum)
HOVER_COMMENT_CHARS = 240
PERCENT = 100
PERCENT_SUFFIX = "%"  # as Babel writes a percentage in nl_NL and en_GB ("59,6%"), so axes match the labels
BAR_TEXT_HALO = "0px 0px 3px #ffffff"  # a white halo behind text on a bar

CHANGE_STYLE = {  # colour and pattern per change category
    "improved": (OKABE_ITO["green"], ""),
    "unchanged": ("#c8c8c8", ""),
    "regressed": (OKABE_ITO["vermillion"], "x"),
    "applicability_changed": (OKABE_ITO["purple"], "."),
}


# --- shared helpers ---------------------------------------------------------------------------------------------


def _t(lang: Lang, key: str, **values: Any) -> str:
    """The figure text `figure.<key>` from the catalogue."""
    return t(f"figure.{key}", lang, **values)


def _wrap(text: str, width: int = LABEL_LINE_CHARS) -> str:
    """A long axis label over several lines (plotly's <br>), so neighbouring labels never overlap."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def short_title(number: int, title: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """ "12. Title" cut to `limit` characters with an ellipsis."""
    text = f"{number}. {title}"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _with_round(title: str, lang: Lang, round_label: str | None) -> str:
    return f"{title} — {_t(lang, 'round')} {round_label}" if round_label else title


def weighting_note(weighting: str, lang: Lang) -> str:
    """The sentence saying which weighting a coverage used."""
    return f"{_t(lang, weighting)}; {_t(lang, 'no_return_counts')}"


TEMPLATE_NAME = "plotly_white"
# Built once, the way plotly builds it for `template=TEMPLATE_NAME`, as JSON shared (never changed) by every figure.
_TEMPLATE_JSON = go.Figure(layout={"template": TEMPLATE_NAME}).layout.template.to_plotly_json()


def _use_template(fig: go.Figure) -> None:
    """Give `fig` the shared, already validated template without plotly rebuilding it.

    `update_layout(template=name)` deep-copies and re-validates the whole template for every figure (a quarter of
    a web worker's CPU); plotly itself sets its default template this way, with validation off, when it builds a
    figure. Nothing changes the template afterwards, so every figure can refer to the same dict.
    """
    layout = fig.layout
    validate = layout._validate  # plotly's own switch, as in BaseFigure._initialize_layout_template
    layout._validate = False
    try:
        layout.template = _TEMPLATE_JSON
    finally:
        layout._validate = validate


class SharedShapes(dict[str, Any]):
    """A map's FeatureCollection that no figure changes: plotly refers to it instead of deep-copying it.

    Figures copy their traces' properties on construction and again on every serialisation; for the 418
    municipality shapes that copy was more than a quarter of a worker's CPU per map request.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedShapes:
        return self


def _finish(
    fig: go.Figure,
    title: str,
    lang: Lang,
    *,
    round_label: str | None = None,
    subtitle: str | None = None,
    height: int | None = None,
    top: int = MARGIN_TOP_PX,
    bottom: int = MARGIN_BOTTOM_PX,
) -> go.Figure:
    """Title (with the round), subtitle, legend and source line along the bottom, the language's number format."""
    height = height or DEFAULT_HEIGHT_PX  # known, so the legend can sit in pixels above the source line
    fig.update_layout(
        title={"text": _with_round(title, lang, round_label), "subtitle": {"text": subtitle or ""}, "x": 0.01},
        separators=",." if lang == "nl" else ".,",
        margin={"t": top, "b": bottom, "l": 10, "r": 10},
        legend={
            "orientation": "h",
            "yref": "container",
            "y": SOURCE_BAND_PX / height,
            "yanchor": "bottom",
            "x": 0,
            "xanchor": "left",
        },
        hoverlabel={"align": "left"},
        height=height,
    )
    _use_template(fig)
    fig.add_annotation(  # the source line along the very bottom, under the legend
        text=_t(lang, "source"),
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        yshift=-(bottom - SOURCE_OFFSET_PX),
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 11, "color": "#555555"},
    )
    return fig


def _percent_xaxis(fig: go.Figure, title: str, top: float = PERCENT) -> None:
    """A 0-100 % value axis with a tick every 20 % up to and including 100 % (the end is a little beyond it)."""
    fig.update_xaxes(
        title=title, range=[0, top * AXIS_HEADROOM], tick0=0, dtick=PERCENT_TICK, ticksuffix=PERCENT_SUFFIX
    )


def empty_figure(title: str, lang: Lang, *, round_label: str | None = None, message: str | None = None) -> go.Figure:
    """A figure with only a title and a centred message (default: no returns for this round yet)."""
    fig = go.Figure()
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message or _t(lang, "empty"),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 16},
    )
    return _finish(fig, title, lang, round_label=round_label, height=320)


def _no_returns(frame: pd.DataFrame, column: str = "n_returns") -> bool:
    return frame.empty or column not in frame or not (frame[column].fillna(0) > 0).any()


def _height(rows: int) -> int:
    return BASE_HEIGHT_PX + ROW_HEIGHT_PX * max(rows, 4)


def _discrete_colorscale(colors: Sequence[str]) -> list[tuple[float, str]]:
    """A stepped colourscale: with zmin -0.5 and zmax n-0.5, the integer i is drawn in colors[i]."""
    scale: list[tuple[float, str]] = []
    for index, color in enumerate(colors):
        scale += [(index / len(colors), color), ((index + 1) / len(colors), color)]
    return scale


# --- trajectory ---------------------------------------------------------------------------------------------


def trajectory_figure(trajectory: pd.DataFrame, *, round_label: str, weighting: str, lang: Lang = "nl") -> go.Figure:
    """National coverage per round (solid), the target trajectory (dotted) and the least-squares trend (dashed).

    `trajectory`: series (actual|target|projection), date, value, round_label, completeness (long format, as in
    RoundReport.trajectory).
    """
    title = _t(lang, "trajectory_title")
    actual = trajectory[trajectory["series"] == "actual"]
    if actual.empty or not (actual["completeness"].fillna(0) > 0).any():
        return empty_figure(title, lang, round_label=round_label)
    fig = go.Figure()
    target = trajectory[trajectory["series"] == "target"]
    fig.add_trace(
        go.Scatter(
            x=target["date"],
            y=target["value"] * PERCENT,
            name=_t(lang, "target"),
            mode="lines",
            line={"color": OKABE_ITO["black"], "dash": "dot", "width": 2},
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} %<extra>" + _t(lang, "target") + "</extra>",
        )
    )
    projection = trajectory[trajectory["series"] == "projection"]
    if not projection.empty:
        fig.add_trace(
            go.Scatter(
                x=projection["date"],
                y=projection["value"] * PERCENT,
                name=_t(lang, "projection"),
                mode="lines",
                line={"color": OKABE_ITO["vermillion"], "dash": "dash", "width": 2},
                hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} %<extra>" + _t(lang, "projection") + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=actual["date"],
            y=actual["value"] * PERCENT,
            name=_t(lang, "actual"),
            mode="lines+markers",
            line={"color": OKABE_ITO["blue"], "width": 3},
            marker={"size": 9, "symbol": "circle"},
            customdata=list(
                zip(
                    actual["round_label"],
                    [percent(v, lang) for v in actual["value"]],
                    [percent(v, lang) for v in actual["completeness"]],
                    strict=True,
                )
            ),
            hovertemplate=(
                f"<b>{_t(lang, 'round').capitalize()} %{{customdata[0]}}</b><br>"
                f"{_t(lang, 'coverage')}: %{{customdata[1]}}<br>"
                f"{_t(lang, 'completeness')}: %{{customdata[2]}}<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(title=_t(lang, "coverage_axis"), range=[0, PERCENT * 1.02], ticksuffix=PERCENT_SUFFIX)
    # a tick per round, at its reference date and named by it: round 2011 (31-12-2011) reads as 2011, not 2012;
    # with many rounds every n-th, ending at the latest, so the labels never overlap
    step = math.ceil(len(actual) / MAX_ROUND_TICKS)
    ticks = actual.iloc[(len(actual) - 1) % step :: step]
    fig.update_xaxes(
        title=_t(lang, "round_axis"),
        tickmode="array",
        tickvals=list(ticks["date"]),
        ticktext=[
            f"{label}<br>{_short_date(day)}" for label, day in zip(ticks["round_label"], ticks["date"], strict=True)
        ],
        showgrid=True,
    )
    return _finish(fig, title, lang, round_label=round_label, subtitle=weighting_note(weighting, lang))


def _short_date(day: Any) -> str:
    """A reference date as 31-12-2011 (the Dutch numeric form, also clear in English)."""
    return pd.Timestamp(day).strftime("%d-%m-%Y")


# --- maps ---------------------------------------------------------------------------------------------------


def _positions(coordinates: Any) -> Iterator[tuple[float, float]]:
    """Every (lon, lat) in a GeoJSON coordinates array of any depth."""
    if coordinates and isinstance(coordinates[0], int | float):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for part in coordinates:
        yield from _positions(part)


def _features(geojson: dict[str, Any], codes: set[str]) -> SharedShapes:
    """The FeatureCollection of the municipalities in `codes` (smaller to send to the browser), shared uncopied."""
    chosen = [f for f in geojson.get("features", []) if f.get("properties", {}).get("statcode") in codes]
    return SharedShapes(type="FeatureCollection", features=chosen)


def map_view(geojson: dict[str, Any]) -> tuple[dict[str, float], float]:
    """Centre and zoom that fit every feature in the map's plot area (Web Mercator, MapLibre's 512 px tiles)."""
    points = [p for feature in geojson["features"] for p in _positions(feature["geometry"]["coordinates"])]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    lon_span = max(east - west, 1e-6)
    y_span = max(mercator_y(north) - mercator_y(south), 1e-9)
    zoom_x = math.log2(MAP_WIDTH_PX * 360 / (lon_span * MAPLIBRE_TILE_PX))
    plot_height = MAP_HEIGHT_PX - MARGIN_TOP_PX - MAP_MARGIN_BOTTOM_PX
    zoom_y = math.log2(plot_height * 2 * math.pi / (y_span * MAPLIBRE_TILE_PX))
    center_y = (mercator_y(north) + mercator_y(south)) / 2
    center_lat = math.degrees(2 * math.atan(math.exp(center_y)) - math.pi / 2)
    return {"lon": (west + east) / 2, "lat": center_lat}, min(zoom_x, zoom_y) - MAP_PADDING_ZOOM


def _map(
    fig: go.Figure, geojson: dict[str, Any], title: str, lang: Lang, round_label: str, subtitle: str, printed: bool
) -> go.Figure:
    if printed:  # the shapes alone, fitted to the plot area: no base map, no network
        fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator")
    else:
        center, zoom = map_view(geojson)
        fig.update_layout(map={"style": MAP_STYLE, "center": center, "zoom": zoom})
    _finish(
        fig, title, lang, round_label=round_label, subtitle=subtitle, height=MAP_HEIGHT_PX, bottom=MAP_MARGIN_BOTTOM_PX
    )
    return fig


def _shape_trace(printed: bool) -> type[go.Choropleth] | type[go.Choroplethmap]:
    """Printed maps are SVG shapes (`Choropleth`: vector in an SVG, drawn in a fraction of the time); the
    dashboard's are MapLibre's (`Choroplethmap`: smooth zooming and panning in the browser)."""
    return go.Choropleth if printed else go.Choroplethmap


def _coverage_trace(
    frame: pd.DataFrame, geojson: dict[str, Any] | str, z: pd.Series, hover: str, printed: bool
) -> go.Choropleth | go.Choroplethmap:
    return _shape_trace(printed)(
        geojson=geojson,
        featureidkey="properties.statcode",
        locations=frame["municipality_code"],
        z=z * PERCENT,
        zmin=0,
        zmax=PERCENT,
        colorscale=COVERAGE_COLORSCALE,
        marker={"line": {"width": 0.4, "color": "#ffffff"}},
        colorbar={"title": {"text": "%"}, "ticksuffix": PERCENT_SUFFIX},
        customdata=frame[["region_code", "municipality_code", "_name", "_coverage", "_completeness", "_status"]],
        hovertemplate=hover,
        name="",
    )


def region_map_figure(
    regions: pd.DataFrame,
    municipalities: pd.DataFrame,
    geojson: dict[str, Any],
    *,
    round_label: str,
    weighting: str,
    lang: Lang = "nl",
    geojson_url: str | None = None,
    printed: bool = False,
) -> go.Figure:
    """Municipality shapes coloured by their REGION's coverage, so any region division works without region shapes.

    With `geojson_url` the traces name the shapes by URL (the browser fetches and caches them once) instead of
    carrying them; `geojson` still places the map. `printed` (static exports) draws the shapes as SVG paths,
    embedded in the figure.

    `regions`: region_code, region_name, coverage, completeness, on_track (RoundReport.regions); `municipalities`:
    municipality_code, region_code. customdata[0] is the region code (for click-through), [1] the municipality.
    """
    title = _t(lang, "region_map_title")
    if _no_returns(regions):
        return empty_figure(title, lang, round_label=round_label)
    frame = municipalities[["municipality_code", "region_code"]].merge(regions, on="region_code", how="inner")
    returned = frame["n_returns"].fillna(0) > 0
    frame = frame.assign(
        _name=frame["region_name"],
        _coverage=[percent(v, lang) for v in frame["coverage"]],
        _completeness=[percent(v, lang) for v in frame["completeness"]],
        _status=[_t(lang, "on_track" if v else "behind") for v in frame["on_track"]],
    )
    shapes = _features(geojson, set(frame["municipality_code"]))
    hover = (
        "<b>%{customdata[2]}</b><br>"
        f"{_t(lang, 'coverage')}: %{{customdata[3]}}<br>"
        f"{_t(lang, 'completeness')}: %{{customdata[4]}}<br>"
        "%{customdata[5]}<extra></extra>"
    )
    frame.loc[~returned, ["_coverage", "_status"]] = [_t(lang, "no_return"), ""]
    source = geojson_url or shapes
    fig = go.Figure(_coverage_trace(frame[returned], source, frame.loc[returned, "coverage"], hover, printed))
    _add_no_return_trace(fig, frame[~returned], source, hover, lang, printed)
    return _map(fig, shapes, title, lang, round_label, weighting_note(weighting, lang), printed)


def _add_no_return_trace(
    fig: go.Figure, silent: pd.DataFrame, shapes: dict[str, Any] | str, hover: str, lang: Lang, printed: bool
) -> None:
    """Shapes without a return in NO_RETURN_COLOR, as their own legend entry: never coloured as 0 %."""
    if silent.empty:
        return
    fig.add_trace(
        _shape_trace(printed)(
            geojson=shapes,
            featureidkey="properties.statcode",
            locations=silent["municipality_code"],
            z=[0] * len(silent),
            colorscale=[(0, NO_RETURN_COLOR), (1, NO_RETURN_COLOR)],
            showscale=False,
            showlegend=True,
            marker={"line": {"width": 0.4, "color": "#bbbbbb"}},
            customdata=silent[["region_code", "municipality_code", "_name", "_coverage", "_completeness", "_status"]],
            hovertemplate=hover,
            name=no_return_label(lang),
        )
    )


def no_return_label(lang: Lang) -> str:
    """The legend entry of the "no return" state (its own state, never 0 %)."""
    return _t(lang, "no_return").capitalize()


def municipality_map_figure(
    municipalities: pd.DataFrame,
    geojson: dict[str, Any],
    *,
    round_label: str,
    lang: Lang = "nl",
    geojson_url: str | None = None,
    printed: bool = False,
) -> go.Figure:
    """Municipality shapes coloured by their own coverage; municipalities without a return in light grey
    (`geojson_url`, `printed`: as in `region_map_figure`).

    `municipalities`: municipality_code, municipality_name, region_code, region_name, has_return, coverage
    (RoundReport.municipalities). customdata[0] is the region code, [1] the municipality code.
    """
    title = _t(lang, "municipality_map_title")
    if _no_returns(municipalities.assign(n_returns=municipalities["has_return"].astype(int))):
        return empty_figure(title, lang, round_label=round_label)
    frame = municipalities.assign(
        _name=municipalities["municipality_name"] + " (" + municipalities["region_name"] + ")",
        _coverage=[
            percent(v, lang) if r else _t(lang, "no_return")
            for v, r in zip(municipalities["coverage"], municipalities["has_return"], strict=True)
        ],
        _completeness="",
        _status="",
    )
    shapes = _features(geojson, set(frame["municipality_code"]))
    hover = f"<b>%{{customdata[2]}}</b><br>{_t(lang, 'coverage')}: %{{customdata[3]}}<extra></extra>"
    reported = frame[frame["has_return"]]
    source = geojson_url or shapes
    fig = go.Figure(_coverage_trace(reported, source, reported["coverage"], hover, printed))
    _add_no_return_trace(fig, frame[~frame["has_return"]], source, hover, lang, printed)
    note = _t(lang, "no_return") + ": " + _t(lang, "no_return_color")
    return _map(fig, shapes, title, lang, round_label, note, printed)


# --- bars ---------------------------------------------------------------------------------------------------


def bar_label(row: pd.Series, lang: Lang) -> str:
    """A ranking bar's text: its coverage and, when short of the final target, the gap ("58,6 % · nog 41,4 %-punt")."""
    value = percent(row["coverage"], lang)
    gap = row.get("gap")
    if gap is None or pd.isna(gap) or gap <= 0:
        return value
    return _t(lang, "bar_gap", value=value, gap=percentage_points(gap, lang))


def target_line(fig: go.Figure, target_value: float | None, lang: Lang) -> None:
    """The target at the reference date as a dotted horizontal line (vertical charts), named in the legend so no
    label sits on the bars or points."""
    if target_value is None:
        return
    line = {"color": OKABE_ITO["black"], "dash": "dot", "width": 2}
    fig.add_hline(y=target_value * PERCENT, line=line)
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=line,
            name=_t(lang, "target_at", value=percent(target_value, lang)),
            hoverinfo="skip",
        )
    )


def region_ranking_figure(
    regions: pd.DataFrame, *, target_value: float, round_label: str, weighting: str, lang: Lang = "nl"
) -> go.Figure:
    """Regions as horizontal bars by coverage (best on top), hatched when behind, with the target as a line.

    `regions`: region_code, region_name, coverage, coverage_reporting, completeness, on_track, rank.
    customdata[0] is the region code.
    """
    title = _t(lang, "ranking_title")
    if _no_returns(regions):
        return empty_figure(title, lang, round_label=round_label)
    ordered = regions.sort_values(["coverage", "region_name"], ascending=[True, False])
    state = ordered["on_track"].map({True: "on_track", False: "behind"}).where(ordered["n_returns"] > 0, "no_return")
    fig = go.Figure()
    for key, color, pattern in (
        ("on_track", OKABE_ITO["blue"], ""),
        ("behind", OKABE_ITO["orange"], "/"),
        ("no_return", NO_RETURN_BAR_COLOR, ""),
    ):
        part = ordered[state == key]
        if part.empty and key == "no_return":
            continue
        fig.add_trace(
            go.Bar(
                x=part["coverage"] * PERCENT if key != "no_return" else [0] * len(part),
                y=part["region_name"],
                orientation="h",
                name=_t(lang, key),
                marker={"color": color, "pattern": {"shape": pattern}},
                text=(
                    [bar_label(row, lang) for _, row in part.iterrows()]
                    if key != "no_return"
                    else [_t(lang, "no_return")] * len(part)
                ),
                textposition="auto" if key != "no_return" else "outside",
                insidetextanchor="end",
                textfont={"color": OKABE_ITO["black"], "shadow": BAR_TEXT_HALO},  # readable on fill and hatching
                cliponaxis=False,
                customdata=list(
                    zip(
                        part["region_code"],
                        [percent(v, lang) if key != "no_return" else _t(lang, "no_return") for v in part["coverage"]],
                        [percent(v, lang) for v in part["completeness"]],
                        [percent(v, lang) for v in part["coverage_reporting"]],
                        ["–" if pd.isna(rank) else int(rank) for rank in part["rank"]],
                        strict=True,
                    )
                ),
                hovertemplate=(
                    "<b>%{y}</b><br>"
                    f"{_t(lang, 'coverage')}: %{{customdata[1]}}<br>"
                    f"{_t(lang, 'completeness')}: %{{customdata[2]}}<br>"
                    f"{_t(lang, 'coverage_reporting')}: %{{customdata[3]}}<br>"
                    f"{_t(lang, 'rank')}: %{{customdata[4]}}<extra></extra>"
                ),
            )
        )
    fig.add_vline(
        x=target_value * PERCENT,
        line={"color": OKABE_ITO["black"], "dash": "dot", "width": 2},
        annotation={
            "text": _t(lang, "target_at", value=percent(target_value, lang)),
            "yanchor": "bottom",
            "xanchor": "right",  # the text ends at the line: never cut off by the plot's right edge
        },
        annotation_position="top left",
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(ordered["region_name"]), title=None)
    _percent_xaxis(fig, _t(lang, "coverage_axis"))
    return _finish(
        fig,
        title,
        lang,
        round_label=round_label,
        subtitle=weighting_note(weighting, lang),
        height=_height(len(ordered)),
    )


def _scope_label(row: pd.Series, lang: Lang, region_name: str | None) -> str:
    return _t(lang, "national") if row["scope"] == "national" else (region_name or str(row["region_code"]))


def _profile(
    table: pd.DataFrame,
    key: str,
    region_code: str | None,
    region_name: str | None,
    lang: Lang,
) -> tuple[pd.DataFrame, list[str]]:
    """The national rows and (if given) one region's rows of a level/group table, with a display label."""
    keep = (table["scope"] == "national") | (table["region_code"] == region_code if region_code else False)
    frame = table[keep].copy()
    frame["label"] = [_scope_label(row, lang, region_name) for _, row in frame.iterrows()]
    order = list(dict.fromkeys(frame[key]))
    return frame, order


def group_coverage_figure(
    groups: pd.DataFrame,
    *,
    round_label: str,
    weighting: str,
    region_code: str | None = None,
    region_name: str | None = None,
    lang: Lang = "nl",
    target_value: float | None = None,
) -> go.Figure:
    """Coverage per group (prevention, early intervention, protection): national, and a region beside it if given.

    `groups`: scope, region_code, group_code, name, coverage, coverage_reporting, completeness (RoundReport.groups).
    """
    title = _t(lang, "groups_title")
    frame, _ = _profile(groups, "group_code", region_code, region_name, lang)
    if _no_returns(frame):
        return empty_figure(title, lang, round_label=round_label)
    fig = go.Figure()
    styles = {"national": (OKABE_ITO["grey"], "/"), "region": (OKABE_ITO["blue"], "")}
    for scope in ("national", "region"):
        part = frame[frame["scope"] == scope]
        if part.empty:
            continue
        color, pattern = styles[scope]
        fig.add_trace(
            go.Bar(
                x=part["name"],
                y=part["coverage"] * PERCENT,
                name=part["label"].iloc[0],
                marker={"color": color, "pattern": {"shape": pattern}},
                text=[percent(v, lang) for v in part["coverage"]],
                textposition="outside",
                hovertemplate="<b>%{x}</b><br>%{fullData.name}: %{text}<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    target_line(fig, target_value, lang)
    fig.update_yaxes(title=_t(lang, "coverage_axis"), range=[0, PERCENT * 1.1], ticksuffix=PERCENT_SUFFIX)
    fig.update_xaxes(title=None)
    return _finish(fig, title, lang, round_label=round_label, subtitle=weighting_note(weighting, lang))


def level_profile_figure(
    levels: pd.DataFrame,
    *,
    round_label: str,
    weighting: str,
    region_code: str | None = None,
    region_name: str | None = None,
    lang: Lang = "nl",
    target_value: float | None = None,
) -> go.Figure:
    """The continuum profile: coverage per level a-e, the region (solid) against the national line (dashed).

    `levels`: scope, region_code, level_code, name, coverage (RoundReport.levels or RegionDetail.levels).
    """
    title = _t(lang, "levels_title")
    frame, order = _profile(levels, "level_code", region_code, region_name, lang)
    if _no_returns(frame):
        return empty_figure(title, lang, round_label=round_label)
    labels = zip(frame["level_code"], frame["name"], strict=True)
    frame["axis_label"] = [f"{code}<br>{_wrap(name)}" for code, name in labels]
    fig = go.Figure()
    styles = {
        "national": {"color": OKABE_ITO["grey"], "dash": "dash", "symbol": "square"},
        "region": {"color": OKABE_ITO["blue"], "dash": "solid", "symbol": "circle"},
    }
    for scope in ("national", "region"):
        part = frame[frame["scope"] == scope].set_index("level_code").reindex(order).dropna(subset=["scope"])
        if part.empty:
            continue
        style = styles[scope]
        fig.add_trace(
            go.Scatter(
                x=part["axis_label"],
                y=part["coverage"] * PERCENT,
                name=part["label"].iloc[0],
                mode="lines+markers",
                line={"color": style["color"], "dash": style["dash"], "width": 3},
                marker={"symbol": style["symbol"], "size": 10},
                text=[percent(v, lang) for v in part["coverage"]],
                hovertemplate="<b>%{x}</b><br>%{fullData.name}: %{text}<extra></extra>",
            )
        )
    target_line(fig, target_value, lang)
    fig.update_yaxes(title=_t(lang, "coverage_axis"), range=[0, PERCENT * 1.02], ticksuffix=PERCENT_SUFFIX)
    fig.update_xaxes(title=_t(lang, "level_axis"), tickangle=0)
    return _finish(
        fig,
        title,
        lang,
        round_label=round_label,
        subtitle=weighting_note(weighting, lang),
        height=DEFAULT_HEIGHT_PX + WRAPPED_LABELS_PX,
        bottom=MARGIN_BOTTOM_PX + WRAPPED_LABELS_PX,
    )


def weakest_points_figure(weakest: pd.DataFrame, *, round_label: str, lang: Lang = "nl") -> go.Figure:
    """The weakest points as horizontal bars of their national implementation share, weakest on top.

    `weakest`: point_number, title, share, n_implemented, n_applicable (RoundReport.weakest_points).
    customdata[0] is the point number.
    """
    title = _t(lang, "weakest_title", count=len(weakest) or "")
    if weakest.empty:
        return empty_figure(title, lang, round_label=round_label)
    ordered = weakest.iloc[::-1]
    labels = [short_title(n, t) for n, t in zip(ordered["point_number"], ordered["title"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=ordered["share"] * PERCENT,
            y=labels,
            orientation="h",
            marker={"color": OKABE_ITO["vermillion"]},
            text=[percent(v, lang) for v in ordered["share"]],
            textposition="outside",
            customdata=list(
                zip(
                    ordered["point_number"],
                    ordered["title"],
                    ordered["n_implemented"],
                    ordered["n_applicable"],
                    strict=True,
                )
            ),
            hovertemplate=(
                f"<b>{_t(lang, 'point')} %{{customdata[0]}}</b>: %{{customdata[1]}}<br>"
                "%{text} (%{customdata[2]} / %{customdata[3]})<extra></extra>"
            ),
            name="",
        )
    )
    _percent_xaxis(fig, _t(lang, "share_axis"), PERCENT * 1.1)
    fig.update_yaxes(title=None, categoryorder="array", categoryarray=labels)
    return _finish(fig, title, lang, round_label=round_label, height=_height(len(ordered)))


def completeness_figure(regions: pd.DataFrame, *, round_label: str, lang: Lang = "nl") -> go.Figure:
    """Completeness per region: horizontal bars of the share of municipalities with a return, lowest on top.

    `regions`: region_code, region_name, n_expected, n_returns, completeness (CompletenessTable.regions).
    customdata[0] is the region code.
    """
    title = _t(lang, "completeness_title")
    if regions.empty:
        return empty_figure(title, lang, round_label=round_label)
    ordered = regions.sort_values(["completeness", "region_name"], ascending=[False, False])
    received = [
        _t(lang, "received", received=int(r), expected=int(e))
        for r, e in zip(ordered["n_returns"], ordered["n_expected"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=ordered["completeness"] * PERCENT,
            y=ordered["region_name"],
            orientation="h",
            marker={"color": OKABE_ITO["sky_blue"], "line": {"color": OKABE_ITO["blue"], "width": 1}},
            text=received,
            textposition="auto",
            customdata=list(
                zip(ordered["region_code"], [percent(v, lang) for v in ordered["completeness"]], strict=True)
            ),
            hovertemplate="<b>%{y}</b><br>%{customdata[1]} — %{text}<extra></extra>",
            name="",
        )
    )
    _percent_xaxis(fig, _t(lang, "completeness_axis"))
    fig.update_yaxes(title=None)
    return _finish(fig, title, lang, round_label=round_label, height=_height(len(ordered)))


def change_figure(
    changes: pd.DataFrame,
    *,
    label_column: str,
    round_label: str,
    previous_round: str | None,
    lang: Lang = "nl",
) -> go.Figure:
    """Change since the previous round per region or municipality: stacked 100 % bars of the compared points.

    `changes`: `label_column` plus improved, unchanged, regressed, applicability_changed (counts of points).
    """
    categories = list(CHANGE_STYLE)
    title = _t(lang, "change_title", previous=previous_round) if previous_round else _t(lang, "change_title_first")
    if previous_round is None:
        return empty_figure(title, lang, round_label=round_label, message=_t(lang, "no_previous"))
    totals = changes[categories].sum(axis=1) if not changes.empty else pd.Series(dtype=float)
    if changes.empty or not (totals > 0).any():
        return empty_figure(title, lang, round_label=round_label, message=_t(lang, "no_compared"))
    frame = changes[totals > 0].assign(_total=totals[totals > 0])
    frame = frame.assign(_order=frame["improved"] / frame["_total"]).sort_values(["_order", label_column])
    fig = go.Figure()
    for category in categories:
        color, pattern = CHANGE_STYLE[category]
        fig.add_trace(
            go.Bar(
                x=frame[category] / frame["_total"] * PERCENT,
                y=frame[label_column],
                orientation="h",
                name=_t(lang, category),
                marker={"color": color, "pattern": {"shape": pattern}},
                customdata=list(zip(frame[category], frame["_total"], strict=True)),
                hovertemplate=(
                    f"<b>%{{y}}</b><br>{_t(lang, category)}: %{{customdata[0]}} / %{{customdata[1]}} "
                    f"{_t(lang, 'points')} (%{{x:.1f}} %)<extra></extra>"
                ),
            )
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    _percent_xaxis(fig, _t(lang, "points_share_axis"))
    fig.update_yaxes(title=None, categoryorder="array", categoryarray=list(frame[label_column]))
    return _finish(fig, title, lang, round_label=round_label, height=_height(len(frame)))


def point_distribution_figure(
    point_status: pd.DataFrame, points: pd.DataFrame, *, round_label: str, lang: Lang = "nl"
) -> go.Figure:
    """Stacked 100 % bars per point of how often each status (and n.v.t.) was given, in the status colours.

    `point_status`: point_number, key, label, color, n, share (RoundReport.point_status, scale order);
    `points`: point_number, title. customdata[0] is the point number.
    """
    title = _t(lang, "distribution_title")
    if point_status.empty or point_status["n"].sum() == 0:
        return empty_figure(title, lang, round_label=round_label)
    titles = points.set_index("point_number")["title"]
    numbers = sorted(point_status["point_number"].unique(), reverse=True)
    labels = {n: short_title(int(n), str(titles.get(n, ""))) for n in numbers}
    fig = go.Figure()
    for key in dict.fromkeys(point_status["key"]):
        part = point_status[point_status["key"] == key].set_index("point_number").reindex(numbers)
        fig.add_trace(
            go.Bar(
                x=part["share"] * PERCENT,
                y=[labels[n] for n in numbers],
                orientation="h",
                name=str(part["label"].dropna().iloc[0]),
                marker={"color": str(part["color"].dropna().iloc[0]), "line": {"color": "#ffffff", "width": 0.5}},
                customdata=list(zip(numbers, part["n"].fillna(0).astype(int), strict=True)),
                hovertemplate="<b>%{y}</b><br>%{fullData.name}: %{x:.1f} % (n = %{customdata[1]})<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    _percent_xaxis(fig, _t(lang, "answers_axis"))
    fig.update_yaxes(title=None, categoryorder="array", categoryarray=[labels[n] for n in numbers])
    return _finish(fig, title, lang, round_label=round_label, height=_height(len(numbers)))


# --- status heatmaps ----------------------------------------------------------------------------------------


def _status_heatmap(
    cells: pd.DataFrame,
    rows: list[str],
    row_keys: list[Any],
    columns: list[Any],
    scale: pd.DataFrame,
    lang: Lang,
    column_name: str = "point",
) -> go.Heatmap:
    """A heatmap of `cells` (row, column, key, label, title, comment) in the status colours; blank = no answer.

    customdata per cell: [point title, status label, comment, the row's key (for click-through)]. The hover names
    a column by `column_name` ("point": "Punt 12: title"; "round": "Ronde 2009", the point being the row).
    """
    keys = list(scale["key"])
    labels = list(scale[f"label_{lang}"])
    index = {key: i for i, key in enumerate(keys)}
    short = {key: ("n.v.t." if pd.isna(v) else str(int(v))) for key, v in zip(keys, scale["value"], strict=True)}
    grid = cells.set_index(["row", "column"])
    z, text, custom = [], [], []
    for row, row_key in zip(rows, row_keys, strict=True):
        z_row: list[int | None] = []
        text_row: list[str] = []
        custom_row: list[list[str]] = []
        for column in columns:
            if (row, column) in grid.index:
                cell = grid.loc[(row, column)]
                comment = "" if pd.isna(cell["comment"]) else str(cell["comment"])
                if len(comment) > HOVER_COMMENT_CHARS:
                    comment = comment[: HOVER_COMMENT_CHARS - 1] + "…"
                # plotly hover renders tags but decodes only &amp; &lt; &gt; (and numeric) entities: escape those
                # three once; html.escape's default &quot; would show literally
                comment = html.escape(comment, quote=False)
                z_row.append(index[cell["key"]])
                text_row.append(short[cell["key"]])
                custom_row.append([str(cell["title"]), str(cell["label"]), comment, row_key])
            else:
                z_row.append(None)
                text_row.append("")
                custom_row.append(["", _t(lang, "no_return"), "", row_key])
        z.append(z_row)
        text.append(text_row)
        custom.append(custom_row)
    return go.Heatmap(
        z=z,
        x=[str(c) for c in columns],
        y=rows,
        text=text,
        texttemplate="%{text}",
        textfont={"size": 9},
        customdata=custom,
        colorscale=_discrete_colorscale(list(scale["color"])),
        zmin=-0.5,
        zmax=len(keys) - 0.5,
        xgap=1,
        ygap=1,
        colorbar={"tickvals": list(range(len(keys))), "ticktext": labels, "title": {"text": _t(lang, "status")}},
        hovertemplate=(
            "<b>%{y}</b><br>"
            + (
                f"{_t(lang, 'point')} %{{x}}: %{{customdata[0]}}<br>"
                if column_name == "point"
                else f"{_t(lang, column_name).capitalize()} %{{x}}<br>"
            )
            + f"{_t(lang, 'status')}: %{{customdata[1]}}<br>"
            "%{customdata[2]}<extra></extra>"
        ),
    )


def region_heatmap_figure(
    cells: pd.DataFrame,
    municipalities: pd.DataFrame,
    status_scale: pd.DataFrame,
    *,
    region_name: str,
    round_label: str,
    lang: Lang = "nl",
) -> go.Figure:
    """Municipalities × points of one region in the status colours; hover: point title, status label, comment.

    `cells`: municipality_name, point_number, title, key, label, comment (RegionDetail.cells); `municipalities`:
    municipality_code, municipality_name, has_return (all expected, so silent ones show as an empty row);
    `status_scale`: value, key, label_nl, label_en, color (n.v.t. last). customdata[3] is the municipality code.
    """
    title = _t(lang, "heatmap_title", region=region_name)
    if cells.empty:
        return empty_figure(title, lang, round_label=round_label)
    ordered = municipalities.sort_values("municipality_name", ascending=False)
    names = {
        name: name if has else f"{name} ({_t(lang, 'no_return')})"
        for name, has in zip(ordered["municipality_name"], ordered["has_return"], strict=True)
    }
    frame = cells.assign(row=cells["municipality_name"].map(names), column=cells["point_number"])
    columns = sorted(frame["point_number"].unique())
    codes = list(ordered["municipality_code"])
    fig = go.Figure(_status_heatmap(frame, list(names.values()), codes, columns, status_scale, lang))
    fig.update_xaxes(title=_t(lang, "point_axis"), side="top", type="category", tickangle=0)
    fig.update_yaxes(title=None, type="category")
    height = _height(len(names)) + MARGIN_TOP_AXIS_ON_TOP_PX - MARGIN_TOP_PX
    return _finish(fig, title, lang, round_label=round_label, height=height, top=MARGIN_TOP_AXIS_ON_TOP_PX)


def municipality_history_figure(
    assessments: pd.DataFrame, status_scale: pd.DataFrame, *, municipality_name: str, lang: Lang = "nl"
) -> go.Figure:
    """Every point (rows) in every round (columns) of one municipality, in the status colours.

    `assessments`: round_label, point_number, title, status_label, not_applicable, status, comment
    (MunicipalityDetail.assessments). customdata[3] is the point number.
    """
    title = _t(lang, "history_title", municipality=municipality_name)
    if assessments.empty:
        return empty_figure(title, lang)
    keys = status_scale.dropna(subset=["value"]).set_index("value")["key"]
    not_applicable_key = status_scale.loc[status_scale["value"].isna(), "key"].iloc[0]
    frame = assessments.assign(
        key=[
            not_applicable_key if na else keys[s]
            for s, na in zip(assessments["status"], assessments["not_applicable"], strict=True)
        ],
        label=assessments["status_label"],
        row=[
            short_title(int(n), str(t)) for n, t in zip(assessments["point_number"], assessments["title"], strict=True)
        ],
        column=assessments["round_label"],
    )
    ordered = frame.drop_duplicates("point_number").sort_values("point_number", ascending=False)
    rows = list(ordered["row"])
    columns = list(dict.fromkeys(frame["round_label"]))
    fig = go.Figure(
        _status_heatmap(frame, rows, [int(n) for n in ordered["point_number"]], columns, status_scale, lang, "round")
    )
    fig.update_xaxes(title=_t(lang, "round").capitalize(), side="top", type="category")
    fig.update_yaxes(title=None, type="category")
    label = f"{_t(lang, 'rounds')} {columns[0]}–{columns[-1]}" if len(columns) > 1 else None
    height = _height(len(rows)) + MARGIN_TOP_AXIS_ON_TOP_PX - MARGIN_TOP_PX
    return _finish(fig, title, lang, subtitle=label, height=height, top=MARGIN_TOP_AXIS_ON_TOP_PX)
