"""Dependencies point one way, as docs/development.md draws them: this reads its list of layers, imports every module
of the package, and fails on an import that points back up (function-local imports included), on test tooling in
the product's path, on a cycle between the simulator's rooms, and on the tracker's core importing the project."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "emby_analytics"

# Who may import the test tooling (docs/development.md, "Which way dependencies point").
TOOLING_USERS = {"simulator": {"demo", "testing", "accuracy", "cli"}, "testing": {"accuracy"}, "accuracy": {"cli"}}
SIMULATOR_ROOMS = ["world", "playback", "render", "server"]  # each imports only the ones before it
TRACKER_CORE = {"model", "accounting", "tracker", "days", "reporting"}


def documented_layers() -> dict[str, int]:
    """Package or module name → its layer, from the numbered block under the `layers` marker of the docs."""
    text = (ROOT / "docs" / "development.md").read_text()
    block = text.split("<!-- layers: lowest first -->", 1)[1].split("```")[1]
    layers: dict[str, int] = {}
    for line in block.strip().splitlines():
        match = re.fullmatch(r"(\d+)\. (.+)", line.strip())
        assert match, f"not a layer line: {line!r}"
        for name in match.group(2).split():
            layers[name] = int(match.group(1))
    return layers


def modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found.append(dotted.removesuffix(".__init__"))
    return found


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """Every project module `module` imports (at any depth in the file), with its line."""
    path = SRC / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = SRC / module.replace(".", "/") / "__init__.py"
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    yield from imports_in(path.read_text(), package)


def imports_in(source: str, package: str) -> Iterator[tuple[str, int]]:
    """The project modules `source` (a module of `package`) imports, with their lines."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("emby_analytics"):
                continue
            if node.module is None:  # `from . import name`: the names are modules of the package
                for alias in node.names:
                    yield f"{target}.{alias.name}", node.lineno
            else:
                yield target, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("emby_analytics"):
                    yield alias.name, node.lineno


def unit(module: str) -> str:
    """The top-level package or module of `emby_analytics` a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_unit_is_in_a_documented_layer() -> None:
    layers = documented_layers()
    units = {unit(m) for m in modules()} - {"__init__"}
    assert units - set(layers) == set(), "add these to the layers in docs/development.md"
    assert set(layers) - units == set(), "the docs list layers the code does not have"


def wrong_way(module: str, imports: Iterable[tuple[str, int]], layers: dict[str, int]) -> list[str]:
    """The imports of `module` that point up the layers, or bring test tooling into the product's path."""
    found = []
    mine = unit(module)
    for target, line in imports:
        theirs = unit(target)
        if theirs in (mine, "__init__"):
            continue
        where = f"{module}:{line} imports {target}"
        if mine != "__init__" and layers[theirs] >= layers[mine]:
            found.append(f"{where}: layer {layers[theirs]} is not below {layers[mine]}")
        if theirs in TOOLING_USERS and mine not in TOOLING_USERS[theirs]:
            found.append(f"{where}: test tooling in the product's path")
    return found


@pytest.mark.parametrize("module", modules())
def test_imports_point_down(module: str) -> None:
    if not module.endswith("__main__") and ".migrations." not in module:  # those run (`python -m`, Alembic)
        importlib.import_module(module)  # every module imports cleanly on its own
    assert wrong_way(module, imports_of(module), documented_layers()) == []


@pytest.mark.parametrize("module", [m for m in modules() if m.startswith("emby_analytics.simulator.")])
def test_simulator_rooms_point_one_way(module: str) -> None:
    room = module.split(".")[2]
    if room not in SIMULATOR_ROOMS:
        return
    for target, line in imports_of(module):
        if target.startswith("emby_analytics.simulator."):
            other = target.split(".")[2]
            if other in SIMULATOR_ROOMS:
                ok = SIMULATOR_ROOMS.index(other) <= SIMULATOR_ROOMS.index(room)
                assert ok, f"{module}:{line} imports {target}: {room} may not import {other}"


@pytest.mark.parametrize("name", sorted(TRACKER_CORE))
def test_the_tracker_core_imports_nothing_of_the_project(name: str) -> None:
    module = f"emby_analytics.tracking.{name}"
    outside = [t for t, _ in imports_of(module) if t.rpartition(".")[2] not in TRACKER_CORE]
    assert outside == [], f"{module} must stay pure"


@pytest.mark.parametrize(
    ("module", "source", "why"),
    [
        ("emby_analytics.tracking.probe", "def f():\n    from emby_analytics.api import health\n", "is not below"),
        ("emby_analytics.tracking.probe", "from ..feed import feed\n", None),  # relative, and downwards: fine
        ("emby_analytics.emby.probe", "from ..feed import feed\n", "is not below"),
        ("emby_analytics.sync.probe", "import emby_analytics.simulator.world\n", "test tooling"),
        ("emby_analytics.app", "from emby_analytics.testing import running_service\n", "is not below"),
    ],
)
def test_the_checker_sees_upward_imports(module: str, source: str, why: str | None) -> None:
    """The rule can fail: made-up modules' imports, function-local and relative ones too, are judged."""
    found = wrong_way(module, imports_in(source, module.rpartition(".")[0]), documented_layers())
    assert (found == []) is (why is None), found
    assert why is None or any(why in problem for problem in found), found
