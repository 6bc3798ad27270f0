"""The layering the architecture promises: the engine knows nothing of the procedure, and the
workers and the desk know nothing of the engine's internals (they talk gRPC and HTTP only)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(package: str) -> dict[str, set[str]]:
    """Top-level package names each module of `package` imports, keyed by file."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("engine", {"workers", "desk", "tools"}),
        ("workers", {"engine", "desk"}),
        ("desk", {"engine", "workers"}),
    ],
)
def test_layers_do_not_import_each_other(package: str, forbidden: set[str]) -> None:
    modules = imported_packages(package)
    assert modules, f"{package}/ has no modules"
    offenders = {
        path: sorted(names & forbidden) for path, names in modules.items() if names & forbidden
    }
    assert offenders == {}
