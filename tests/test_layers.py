"""The house rules: packages depend one way, drivers and frameworks stay in their rooms.

Read from the source with `ast`, so a rule broken anywhere (even inside a function)
fails here, with the offending module and import named.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: a package may import its own layer's peers only where listed, and any
# package of a lower layer.
LAYERS: list[set[str]] = [
    {"api.core"},
    {"api.persistence"},
    {"api.customers", "api.access"},
    {"api.dispatch"},
    {"api.voice", "api.insight"},
    {"schema"},
    {"api.transport"},
    {"api.ops"},
]
PEERS_ALLOWED: set[tuple[str, str]] = set()
# Third-party libraries confined to the packages that own them.
CONFINED = {
    "pymongo": {"api.persistence", "api.access"},
    "starlette": {"schema", "api.transport", "api.ops"},
    "strawberry": {"schema", "api.transport", "api.ops"},
    "routing": {"api.customers", "api.dispatch", "api.insight", "api.ops"},
    "realtime": {"api.dispatch", "api.voice", "api.insight", "schema", "api.transport", "api.ops"},
}


def _modules() -> Iterator[tuple[str, Path]]:
    for top in ("api", "schema", "routing", "realtime"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            yield ".".join(parts), path


def _imports(path: Path, module: str) -> Iterator[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            yield base
            # `from api import kpis` names a module too
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _owner(name: str) -> str | None:
    """The package (as named in LAYERS) that a module belongs to."""
    for layer in LAYERS:
        for pkg in layer:
            if name == pkg or name.startswith(pkg + "."):
                return pkg
    return None


def _layer(pkg: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if pkg in layer)


def _violations() -> list[str]:
    found = []
    for module, path in _modules():
        mine = _owner(module)
        for name in _imports(path, module):
            top = name.split(".")[0]
            if top in CONFINED and not module.startswith(top):
                if mine is None or mine not in CONFINED[top]:
                    found.append(f"{module} imports {name} (only {sorted(CONFINED[top])})")
                continue
            theirs = _owner(name)
            if mine is None or theirs is None or theirs == mine:
                if mine is None and theirs is not None and top in ("api", "schema"):
                    found.append(f"{module} ({top}-free package) imports {name}")
                continue
            if _layer(theirs) > _layer(mine) or (
                _layer(theirs) == _layer(mine) and (mine, theirs) not in PEERS_ALLOWED
            ):
                found.append(f"{module} ({mine}) imports {name} ({theirs})")
    return sorted(set(found))


def test_every_module_belongs_to_a_package() -> None:
    """No module is left loose at the top of `api/`: each lives in a named package."""
    loose = [m for m, _ in _modules() if m.startswith("api") and _owner(m) is None and m != "api"]
    assert loose == []


def test_dependencies_point_one_way() -> None:
    """core -> persistence -> {customers, access} -> dispatch -> {voice, insight} ->
    schema -> transport -> ops; drivers and frameworks only in the packages that own them;
    routing and realtime import nothing of the application's."""
    assert _violations() == []


@pytest.mark.parametrize("top", ["routing", "realtime"])
def test_libraries_import_nothing_of_the_app(top: str) -> None:
    """routing is pure and realtime knows only its brokers: neither imports api or schema."""
    bad = [
        f"{m} imports {n}"
        for m, path in _modules()
        if m.startswith(top)
        for n in _imports(path, m)
        if n.split(".")[0] in ("api", "schema")
    ]
    assert bad == []
