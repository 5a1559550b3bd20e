"""Page layouts as Dash components, read without a browser: every component of a tree, one by its id, all its
text; and the NJi user who sees every page."""

from __future__ import annotations

from typing import Any

from dashboard.web.auth import Principal


def walk(component: Any) -> list[Any]:
    """Every component in a layout tree (or list of trees), depth first."""
    if isinstance(component, list | tuple):
        return [item for child in component for item in walk(child)]
    found = [component]
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            found += walk(child)
    elif children is not None and not isinstance(children, str | int | float):
        found += walk(children)
    return found


def by_id(layout: Any, component_id: Any) -> Any:
    """The component with this id; fails the test when there is none."""
    for component in walk(layout):
        if getattr(component, "id", None) == component_id:
            return component
    raise AssertionError(f"no component with id {component_id!r}")


def text(component: Any) -> str:
    """All text in a component tree, space-separated."""
    parts = []
    for item in walk(component):
        children = getattr(item, "children", item)
        if isinstance(children, str | int | float) and not isinstance(children, bool):
            parts.append(str(children))
    return " ".join(parts)


NJI = Principal(1, "nji@demo.raak", "nji")  # sees everything; scoping by role is tested in test_security.py
