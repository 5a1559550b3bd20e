"""One request's view of the dashboard: the URL's state (page, round, language, options) and who is looking; and
the `Page` every page module declares once (path, navigation label, roles, round-dependence).

The URL carries all state: the page and its subject in the path (`/regio/GG3406`), the round, language and view
options in the query (`?ronde=2010&lang=en&kaart=gemeenten`), so a copied link reproduces the view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import dash
import pandas as pd
from dash import html

from dashboard.analytics import Engine
from dashboard.analytics.report import RoundReport
from dashboard.i18n import Lang, has, long_date, normalize_language, t
from dashboard.web.auth import Principal
from etl.store.models import ROLES

ROUND_PARAM, LANG_PARAM, POINT_PARAM = "ronde", "lang", "punt"
FRAMEWORK_PARAM = "kader"  # with `punt`, only in a round answered in two framework versions
KEPT_PARAMS = (ROUND_PARAM, LANG_PARAM)  # carried over to every other page; page options are not


@dataclass(frozen=True)
class View:
    """One request's state: database, logged-in user, page path, query parameters, language, rounds and the chosen
    round."""

    engine: Engine
    user: Principal
    path: str
    params: dict[str, str]
    lang: Lang
    rounds: tuple[str, ...]
    round_label: str | None
    demo: bool = False
    data_version: str | None = None  # the data version the view's navigation was read at

    @property
    def round(self) -> str:
        """The chosen round, on a page that needs one (the app opens those only when there is a round)."""
        if self.round_label is None:
            raise LookupError("this page needs a round, and there is none")
        return self.round_label

    def href(self, path: str | None = None, **changes: str | None) -> str:
        """A link to `path` (default: this page) keeping round and language; `changes` set (or drop, None) params.

        Staying on the same page keeps its options too (e.g. the map level); another page starts without them.
        """
        target = self.path if path is None else path
        kept = self.params if target == self.path else {k: v for k, v in self.params.items() if k in KEPT_PARAMS}
        params = {**kept, **changes}
        if self.round_label and ROUND_PARAM not in params:
            params[ROUND_PARAM] = self.round_label
        if params.get(LANG_PARAM) == "nl":
            params.pop(LANG_PARAM)  # Dutch is the default: keep links short
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{target}?{query}" if query else target

    def t(self, key: str, **values: object) -> str:
        """An interface text in this view's language."""
        return t(key, self.lang, **values)

    def t_for_role(self, key: str, **values: object) -> str:
        """`key`, followed by its `key.<role>` hint where there is one: a command for NJi, a page for a
        coordinator; steering reads the plain sentence only."""
        text = self.t(key, **values)
        hint = f"{key}.{self.user.role}"
        return f"{text} {self.t(hint, **values)}" if has(hint) else text

    def in_scope(self, frame: pd.DataFrame, column: str = "region_code") -> pd.DataFrame:
        """The rows of `frame` whose region the user may see in detail (a coordinator: their own regions)."""
        return frame[frame[column].map(self.user.sees_region).astype(bool)]


@dataclass(frozen=True)
class Page:
    """One page, declared once in its module as `PAGE`: routing, navigation, role checks and the no-rounds message
    all read it.

    `path` names its parameters in angle brackets (`/regio/<code>`); they become arguments of `layout` and `allowed`.
    `nav_label` is the text key of its link in the header (None: reached through links only), placed by `order`;
    only `roles` may open it, and `allowed(view, **parameters)` may refuse a subject (a coordinator's own regions).
    A page that `needs_round` says there are no rounds yet instead of drawing itself. `callbacks(app, engine)`
    registers its Dash callbacks and routes. A `cached` page is drawn from the report functions and the URL alone
    (no clock, no form, nothing of the user but role and regions): the router keeps its drawing per data version.
    """

    path: str
    layout: Callable[..., list[Any]]
    nav_label: str | None = None
    roles: tuple[str, ...] = ROLES
    needs_round: bool = True
    order: int = 0
    allowed: Callable[..., bool] | None = None
    callbacks: Callable[[dash.Dash, Engine], None] | None = None
    cached: bool = False
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = re.split(r"<(\w+)>", self.path.rstrip("/"))
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts))
        object.__setattr__(self, "pattern", re.compile(f"^{regex}/?$"))

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters when `path` is this page (`/regio/GG3406/` → {"code": "GG3406"}), else None."""
        found = self.pattern.match(path)
        return found.groupdict() if found else None

    def may_open(self, view: View, **params: str) -> bool:
        """Whether the view's user may see this page and subject: checked in the server for every request."""
        if view.user.role not in self.roles:
            return False
        return self.allowed is None or bool(self.allowed(view, **params))


def heading(view: View, report: RoundReport, title_key: str, **values: object) -> html.Div:
    """Page title with the round, its reference date and whether it is open (shared by the round pages)."""
    info = report.round
    state = view.t("round.open" if info["is_open"] else "round.closed")
    meta = [view.t("reference_date", date=long_date(info["reference_date"], view.lang)), state]
    if info["deadline"]:
        meta.insert(1, view.t("col.deadline", date=long_date(info["deadline"], view.lang)))
    return html.Div(
        [
            html.H1(f"{view.t(title_key, **values)} — {view.t('round', label=info['label'])}", id="page-title"),
            html.P(" · ".join(meta), className="page-meta"),
        ],
        className="page-heading",
    )


def projection_text(view: View, status: str, reached_on: Any) -> str:
    """A projection in words: target reached on a date, or not at current pace, or too few rounds."""
    return view.t(f"projection.{status}", date=long_date(reached_on, view.lang))


def parse_query(search: object) -> dict[str, str]:
    """`?ronde=2010&lang=en` → {"ronde": "2010", "lang": "en"} (last value wins; no text, e.g. a crafted callback's
    number: no parameters)."""
    return dict(parse_qsl(search.lstrip("?"), keep_blank_values=False)) if isinstance(search, str) else {}


def language_of(search: str | None) -> Lang:
    """The language a URL asks for (Dutch by default)."""
    return normalize_language(parse_query(search).get(LANG_PARAM))
