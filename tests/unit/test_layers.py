"""The package is layered: a module imports only from its own layer or the layers below
(the picture is in the README's developer section). Imports are read with ``ast`` from the
source, lazy imports inside functions included, so nothing is executed."""

from __future__ import annotations

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "steer"

# Lowest first. A unit is a top-level module of steer/ or a subpackage.
LAYERS: list[tuple[str, set[str]]] = [
    ("records and plumbing", {
        "errors", "internals", "json_files", "run_records", "user_files", "config_values",
        "output_dirs", "batching", "choices", "progress",
    }),
    ("models and hooks", {"hooks", "models", "resources", "activations"}),
    ("vectors, steering, readouts, metrics", {
        "vectors", "steering", "readouts", "transcript_readouts", "generation",
        "generation_settings", "metrics",
    }),
    ("tasks and stimuli", {"coding", "sandbox", "tasks", "stimuli"}),
    ("methods", {"extraction", "runs", "interop", "compare"}),
    ("analyses", {"validation", "calibration", "inspect"}),
    ("command jobs", {"jobs"}),
    ("command line", {"cli"}),
]  # fmt: skip
LEVEL = {unit: level for level, (_, units) in enumerate(LAYERS) for unit in units}


def unit_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def steer_imports(path: Path) -> set[str]:
    """The steer units a source file imports (absolute imports; steer uses no relative ones)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("steer.")}
    return found


def sources() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
    )


def test_every_module_belongs_to_a_layer() -> None:
    units = {unit_of(p) for p in sources()}
    assert units - LEVEL.keys() == set(), "add the new package or module to LAYERS and the README"
    assert LEVEL.keys() - units == set(), "a unit in LAYERS no longer exists"


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = []
    for path in sources():
        mine = unit_of(path)
        for other in steer_imports(path) - {mine}:
            if LEVEL[other] > LEVEL[mine]:
                upward.append(
                    f"{path.relative_to(PACKAGE.parent)} ({LAYERS[LEVEL[mine]][0]}) imports "
                    f"steer.{other} ({LAYERS[LEVEL[other]][0]})"
                )
    assert upward == []


def test_no_two_units_import_each_other_even_within_a_layer() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sources():
        graph[unit_of(path)] |= steer_imports(path) - {unit_of(path)}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as error:
        pytest.fail(f"an import cycle between units: {' -> '.join(error.args[1])}")


@pytest.mark.parametrize(
    ("lower", "higher"),
    [("extraction", "validation"), ("run_records", "runs"), ("vectors", "runs"),
     ("compare", "runs"), ("runs", "calibration"), ("runs", "jobs")],
)  # fmt: skip
def test_the_bends_named_in_issue_17_stay_straight(lower: str, higher: str) -> None:
    for path in sources():
        if unit_of(path) == lower:
            assert higher not in steer_imports(path), f"{path} imports steer.{higher}"
