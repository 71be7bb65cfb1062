"""The layers of the `events` package, read from its source (no import is executed).

Every `import` and `from … import` is counted, at module level and inside functions alike: a
function-level import hides a dependency from a reader but not from the design, so it counts.

- No import cycle among the modules of `events`: the rules build on each other in one direction
  (the jury session's lifecycle in `events.domain.sessions` sits above jury, results and votes).
- The rules (`events/domain/`) and the models (`events/models/`) never import Starlette nor a module
  of the web layer.
- The models never import the rules.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "events"
WEB_LAYER = (
    "starlette",
    "events.routes",
    "events.api",
    "events.middleware",
    "events.auth",
    "events.app",
    "events.csrf",
    "events.templating",
    "events.forms",
    "events.flash",
)


def module_files(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name → file, for every module of the package but its migrations."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found[".".join(parts)] = path
    return found


def imported_names(module: str, source: str, is_package: bool) -> set[str]:
    """Every name `source` imports, anywhere in it, made absolute: `import a.b` gives `a.b`,
    `from a.b import c` gives `a.b.c` (c may be a module or a name defined in `a.b`)."""
    package = module if is_package else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(modules: dict[str, str], packages: set[str]) -> dict[str, set[str]]:
    """Module → the modules of `modules` it imports (itself excluded). `modules` maps a name to its
    source; `from a import name` reaches module `a.name` when it exists, module `a` otherwise."""
    graph = {}
    for module, source in modules.items():
        edges = set()
        for name in imported_names(module, source, module in packages):
            if name in modules:
                edges.add(name)
            elif name.rpartition(".")[0] in modules:
                edges.add(name.rpartition(".")[0])
        edges.discard(module)
        graph[module] = edges
    return graph


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (each module of one reaches every
    other): Tarjan's algorithm, iterative, in a fixed order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per tangle, as a path that ends where it starts (a → b → a)."""
    return [_cycle_through(graph, component) for component in tangles(graph)]


def _cycle_through(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """The shortest path from the component's first module back to itself, inside the component."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & members):
            if child == start:
                return [*paths[node], start]
            if child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected component always has one


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


@cache
def events_sources() -> tuple[dict[str, str], frozenset[str]]:
    files = module_files()
    sources = {module: path.read_text(encoding="utf-8") for module, path in files.items()}
    return sources, frozenset(module for module, path in files.items() if path.name == "__init__.py")


@cache
def events_graph() -> dict[str, set[str]]:
    sources, packages = events_sources()
    return import_graph(sources, set(packages))


def forbidden_imports(
    layers: tuple[str, ...], forbidden: tuple[str, ...], sources: dict[str, str] | None = None
) -> list[str]:
    """One "module imports name" line per module of `layers` importing a module of `forbidden`
    (`sources`: name → source, the `events` package when not given)."""
    packages: frozenset[str] = frozenset()
    if sources is None:
        sources, packages = events_sources()
    found = []
    for module, source in sorted(sources.items()):
        if not _within(module, layers):
            continue
        for name in sorted(imported_names(module, source, module in packages)):
            if _within(name, forbidden):
                found.append(f"{module} imports {name}")
    return found


def test_the_walk_reads_module_and_function_level_imports():
    graph = events_graph()
    assert len(graph) > 50  # the whole package is read, not an empty folder
    assert "events.domain.sheets" in graph["events.routes.jury"]  # module level
    # function level: accepting a jury invitation seats the juror (inside accept_invitation)
    assert "events.domain.seats" in graph["events.domain.invitations"]
    assert "events.migrations" not in " ".join(graph)


def test_find_cycles_reports_each_cycle_as_a_path():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"f"}, "f": {"e"}, "g": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"], ["e", "f", "e"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_imports_resolve_relative_and_from_names():
    sources = {
        "pkg": "",
        "pkg.one": "from pkg import two\ndef f():\n    from .three import thing\n",
        "pkg.two": "import pkg.three\n",
        "pkg.three": "from pkg.one import f\n",
    }
    graph = import_graph(sources, {"pkg"})
    assert graph == {
        "pkg": set(),
        "pkg.one": {"pkg.two", "pkg.three"},
        "pkg.two": {"pkg.three"},
        "pkg.three": {"pkg.one"},
    }
    assert find_cycles(graph) == [["pkg.one", "pkg.three", "pkg.one"]]


def test_forbidden_imports_are_found_at_any_depth():
    sources = {
        "events.domain.a": "def f():\n    from starlette.responses import HTMLResponse\n",
        "events.domain.b": "from events import flash\nfrom events.routesque import x\n",
        "events.models.c": "from events.domain.a import f\nfrom events.models.d import D\n",
    }
    assert forbidden_imports(("events.domain", "events.models"), WEB_LAYER, sources) == [
        "events.domain.a imports starlette.responses.HTMLResponse",
        "events.domain.b imports events.flash",
    ]
    assert forbidden_imports(("events.models",), ("events.domain",), sources) == [
        "events.models.c imports events.domain.a.f"
    ]


def test_no_import_cycle_among_events_modules():
    graph = events_graph()
    found = [
        f"{', '.join(component)} import each other, e.g. {' -> '.join(_cycle_through(graph, component))}"
        for component in tangles(graph)
    ]
    assert found == [], "import cycles: " + "; ".join(found)


@pytest.mark.parametrize("layer", ["events.domain", "events.models"])
def test_rules_and_models_know_nothing_of_the_web(layer):
    assert forbidden_imports((layer,), WEB_LAYER) == []


def test_models_do_not_import_the_rules():
    assert forbidden_imports(("events.models",), ("events.domain",)) == []


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module `start` imports, directly or through the modules it imports."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for child in graph.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def test_reachable_follows_imports_of_imports():
    assert reachable({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}, "a") == {"b", "c"}


def test_models_do_not_reach_the_rules_through_another_module():
    graph = events_graph()
    models = [module for module in graph if _within(module, ("events.models",))]
    assert len(models) >= 5
    reached = {
        f"{module} reaches {name}"
        for module in models
        for name in reachable(graph, module)
        if _within(name, ("events.domain",)) or _within(name, WEB_LAYER)
    }
    assert sorted(reached) == []
