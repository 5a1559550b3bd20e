"""The dashboard's pages, listed once: each module declares its `PAGE` (`dashboard.web.pages.view.Page`): path,
navigation label, roles, round-dependence, layout and callbacks. Routing, the header's links, role checks and the
no-rounds message all read `PAGES`.

A page module imports only `dashboard.web.pages.view` and the layers below, never another page.
"""

from __future__ import annotations

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
from dashboard.web.pages.view import Page

PAGES: tuple[Page, ...] = (
    national.PAGE,
    region.PAGE,
    municipality.PAGE,
    framework.PAGE,
    completeness.PAGE,
    export.PAGE,
    upload.PAGE,
    admin.PAGE,
    my_region.PAGE,
)


def find_page(path: str) -> tuple[Page, dict[str, str]] | None:
    """The page a URL path names and its path parameters, or None for an unknown path."""
    for page in PAGES:
        params = page.match(path)
        if params is not None:
            return page, params
    return None


def nav_pages(role: str) -> list[Page]:
    """The pages with a navigation link that `role` may open, in their navigation order."""
    return sorted((p for p in PAGES if p.nav_label is not None and role in p.roles), key=lambda p: p.order)
