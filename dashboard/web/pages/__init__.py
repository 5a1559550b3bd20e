"""The dashboard's pages: which path draws which page, and who may open it.

Each page module has `layout(view, **path_parameters)` returning components; it may name the `ROLES` that may open it
(all by default) and an `allowed(view, **path_parameters)` check of the subject (a coordinator's own regions).
"""

from __future__ import annotations

import re
from types import ModuleType

from dashboard.web.pages.view import View
from etl.store.models import ROLES


def routes() -> list[tuple[re.Pattern[str], ModuleType]]:
    """Path patterns and the page module that draws them; named groups become layout arguments."""
    from dashboard.web.pages import (
        admin,
        completeness,
        export,
        framework,
        municipality,
        my_region,
        national,
        region,
        upload,
    )

    return [
        (re.compile(r"^/?$"), national),
        (re.compile(r"^/regio/(?P<code>[^/]+)/?$"), region),
        (re.compile(r"^/gemeente/(?P<code>[^/]+)/?$"), municipality),
        (re.compile(r"^/punten/?$"), framework),
        (re.compile(r"^/aanlevering/?$"), completeness),
        (re.compile(r"^/export/?$"), export),
        (re.compile(r"^/upload/?$"), upload),
        (re.compile(r"^/beheer/?$"), admin),
        (re.compile(r"^/mijn-regio/?$"), my_region),
    ]


def page_roles(module: ModuleType) -> tuple[str, ...]:
    """The roles that may open a page module (every role unless it names its `ROLES`)."""
    return tuple(getattr(module, "ROLES", ROLES))


def may_open(view: View, module: ModuleType, **params: str) -> bool:
    """Whether the view's user may see this page and subject: checked in the server for every request."""
    if view.user.role not in page_roles(module):
        return False
    allowed = getattr(module, "allowed", None)
    return allowed is None or bool(allowed(view, **params))
