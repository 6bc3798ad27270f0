"""The layering the architecture promises: the engine knows nothing of the procedure, and the
workers and the desk know nothing of the engine's internals (they talk gRPC and HTTP only)."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def imported_modules(package: str) -> dict[str, set[str]]:
    """Full module names each module of `package` imports (TYPE_CHECKING and function-level
    imports included: a cycle hidden there is still a cycle for the reader)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        # The engine's core turns commands into records and records into state; the service that
        # queues commands and the transports that receive them sit above it.
        ("engine/core", ("engine.service", "engine.http", "engine.gateway", "engine.cli")),
        # Definitions (parsed BPMN, DMN, forms) are data the core runs, not the other way round.
        ("engine/definitions", ("engine.core", "engine.service", "engine.http", "engine.gateway")),
    ],
)
def test_engine_layers_import_only_downwards(layer: str, forbidden: tuple[str, ...]) -> None:
    modules = imported_modules(layer)
    assert modules, f"{layer}/ has no modules"
    offenders = {
        path: sorted(n for n in names if n.startswith(forbidden))
        for path, names in modules.items()
        if any(n.startswith(forbidden) for n in names)
    }
    assert offenders == {}


def test_the_core_loads_no_transport_even_through_the_rules_it_checks() -> None:
    """The core checks the access rules (issue 15); loading them must not bring the service or a
    transport along (engine.access once re-exported the gRPC authorizer, which loads the
    gateway)."""
    probe = (
        "import sys, engine.core.commands, engine.definitions.bpmn_parser\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith(('engine.service', "
        "'engine.http', 'engine.gateway', 'engine.cli'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == []


def test_every_rule_of_the_table_is_checked_by_a_command_processor() -> None:
    """One table, decided in the engine (issue 15): each rule is asked by the core's command
    processors, and no adapter decides a command itself."""
    from engine.access.rules import Action

    core = "\n".join(p.read_text("utf-8") for p in (ROOT / "engine" / "core").rglob("*.py"))
    # The gateway answers DeleteResource UNIMPLEMENTED: no command to check yet.
    unchecked = {a for a in Action if f"Action.{a.name}" not in core} - {Action.DELETE_RESOURCE}
    assert unchecked == set()
    adapters = [*(ROOT / "engine" / "http").rglob("*.py"), *(ROOT / "engine" / "gateway").glob("*")]
    deciding = sorted(
        str(p.relative_to(ROOT))
        for p in adapters
        if p.suffix == ".py" and "rules import" in p.read_text("utf-8")
    )
    assert deciding == []


# The collaborators of the BPMN core (issue 15): composed by engine.core.bpmn.Bpmn, none built on
# another by inheritance.
BPMN_COLLABORATORS = {
    "variables.py": "Variables",
    "incidents.py": "Incidents",
    "event_triggers.py": "EventTriggers",
    "element_flow.py": "ElementFlow",
    "multi_instance.py": "MultiInstanceBodies",
    "task_creation.py": "TaskCreation",
    "message_starts.py": "MessageStarts",
    "lifecycle.py": "Lifecycle",
    "bpmn.py": "Bpmn",
}


def test_the_bpmn_core_is_composed_not_inherited() -> None:
    """No layer of the core calls another through NotImplementedError stubs, and each
    collaborator stands alone: the lifecycle steps they need come through a protocol."""
    core = ROOT / "engine" / "core"
    stubs = sorted(
        str(p.relative_to(ROOT))
        for p in core.rglob("*.py")
        if "NotImplementedError" in p.read_text("utf-8")
    )
    assert stubs == []
    derived = {}
    for module, name in BPMN_COLLABORATORS.items():
        tree = ast.parse((core / module).read_text("utf-8"))
        [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name]
        if cls.bases:
            derived[name] = [ast.unparse(b) for b in cls.bases]
    assert derived == {}
