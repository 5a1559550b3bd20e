"""The house is layered: imports only point down, no module takes part in an import circle, nothing is loaded by string.

The layers, highest first, are written down once here and in docs/architecture.md. A module may import its own
package's modules and any package below it; an arrow up (a figure importing a page, the ETL importing the
dashboard) or a circle fails this test with the offending import chain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("etl", "dashboard")
LAYERS = (  # highest first; packages on one line are independent siblings
    ("dashboard.cli",),
    ("dashboard.demo",),
    ("dashboard.web",),
    ("dashboard.exports",),
    ("dashboard.figures",),
    ("dashboard.analytics",),
    ("dashboard.i18n",),
    ("etl.templates", "etl.ingest"),
    ("etl.workbook",),
    ("etl.admin",),
    ("etl.reference",),
    ("etl.store",),
    ("etl.i18n",),
)
STRING_LOADERS = frozenset({"import_module", "__import__"})
PAGES = ROOT / "dashboard" / "web" / "pages"
PAGE_PACKAGE, PAGE_BASE = "dashboard.web.pages", "dashboard.web.pages.view"
NOT_IN_PAGES = ("sqlalchemy", "etl.store.db")  # pages read through dashboard.analytics and write through etl functions


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _chain_text(dependency: grimp.PackageDependency) -> list[str]:
    return [
        " → ".join(route.heads | route.middle | route.tails) if False else _route(route) for route in dependency.routes
    ]


def _route(route: grimp.Route) -> str:
    return f"{sorted(route.heads)} → {' → '.join(route.middle)} → {sorted(route.tails)}".replace(" →  →", " →")


def test_every_module_lives_in_a_layer(graph: grimp.ImportGraph) -> None:
    layered = {name for layer in LAYERS for name in layer}
    top_level = {module for module in graph.modules if module.count(".") == 1}
    assert top_level <= layered, f"modules outside every layer: {sorted(top_level - layered)}"


def test_imports_only_point_down(graph: grimp.ImportGraph) -> None:
    illegal = graph.find_illegal_dependencies_for_layers(
        layers=[grimp.Layer(*layer, independent=True) for layer in LAYERS]
    )
    found = {f"{d.importer} imports {d.imported}: {_chain_text(d)}" for d in illegal}
    assert not found, "\n".join(sorted(found))


def test_no_module_is_part_of_an_import_circle(graph: grimp.ImportGraph) -> None:
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    circles = [scc for scc in _strongly_connected(imports) if len(scc) > 1]
    assert not circles, "import circles: " + "; ".join(" ↔ ".join(sorted(c)) for c in circles)


def _strongly_connected(edges: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other, directly or through others."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    found.append(group)
    return found


def test_no_module_is_loaded_by_string() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = getattr(node, "attr", None) or getattr(node, "id", None)
                if isinstance(node, ast.Attribute | ast.Name) and name in STRING_LOADERS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"modules loaded by string: {offenders}"


def test_a_circle_and_an_upward_import_are_found() -> None:
    """The checks themselves work: a made-up graph with a circle and an arrow up is caught."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [scc for scc in _strongly_connected(edges) if len(scc) > 1] == [{"a", "b", "c"}]
    made_up = grimp.ImportGraph()
    for module in ("low", "low.x", "high", "high.y"):
        made_up.add_module(module)
    made_up.add_import(importer="low.x", imported="high.y")
    assert made_up.find_illegal_dependencies_for_layers(layers=[grimp.Layer("high"), grimp.Layer("low")])


def imported_names(source: str) -> set[str]:
    """Every module an `import` or `from … import` in `source` names (for `from package import module`, both)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def page_import_problems(source: str) -> list[str]:
    """What a page module imports that it may not: the database layer, or another page (only `view` is shared)."""
    names = imported_names(source)
    problems = [name for name in names for banned in NOT_IN_PAGES if _is_within(name, banned)]
    problems += [
        name
        for name in names
        if _is_within(name, PAGE_PACKAGE) and name not in (PAGE_PACKAGE, PAGE_BASE) and not name.startswith(PAGE_BASE)
    ]
    return sorted(problems)


def test_pages_never_touch_the_database_nor_each_other() -> None:
    modules = [path for path in sorted(PAGES.glob("*.py")) if path.name != "__init__.py"]
    assert len(modules) > 5, "the page modules were not found"
    found = {path.name: page_import_problems(path.read_text(encoding="utf-8")) for path in modules}
    assert not {name: problems for name, problems in found.items() if problems}


def test_a_page_reading_the_database_itself_is_found() -> None:
    """The check itself works: each way a page could reach the database or another page is caught."""
    assert page_import_problems("from sqlalchemy import select") == ["sqlalchemy", "sqlalchemy.select"]
    assert page_import_problems("import sqlalchemy.orm") == ["sqlalchemy.orm"]
    assert page_import_problems("from etl.store.db import session_scope") == [
        "etl.store.db",
        "etl.store.db.session_scope",
    ]
    assert page_import_problems("from dashboard.web.pages import upload") == ["dashboard.web.pages.upload"]
    assert page_import_problems("from dashboard.web.pages.national import heading") == [
        "dashboard.web.pages.national",
        "dashboard.web.pages.national.heading",
    ]
    assert page_import_problems("from dashboard.web.pages.view import Page\nfrom etl.store.issues import E") == []
