"""One request's view of the dashboard: the URL's state (page, round, language, options) and who is looking.

The URL carries all state: the page and its subject in the path (`/regio/GG3406`), the round, language and view
options in the query (`?ronde=2010&lang=en&kaart=gemeenten`), so a copied link reproduces the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pandas as pd
from sqlalchemy import Engine

from dashboard.i18n import Lang, has, normalize_language, t
from dashboard.web.auth import Principal

ROUND_PARAM, LANG_PARAM, POINT_PARAM = "ronde", "lang", "punt"
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


def parse_query(search: object) -> dict[str, str]:
    """`?ronde=2010&lang=en` → {"ronde": "2010", "lang": "en"} (last value wins; no text, e.g. a crafted callback's
    number: no parameters)."""
    return dict(parse_qsl(search.lstrip("?"), keep_blank_values=False)) if isinstance(search, str) else {}


def language_of(search: str | None) -> Lang:
    """The language a URL asks for (Dutch by default)."""
    return normalize_language(parse_query(search).get(LANG_PARAM))
