"""Per-blueprint node checks, registered by blueprint name.

Each blueprint folder has a ``node_checks.py`` that builds a ``BlueprintChecks`` and passes it
to ``register``; ``for_blueprint`` loads it on demand. ``common`` holds checks every role shares.
"""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..checks import Check
from ..spec import NodeSpec


class NoNodeChecks(Exception):
    """A blueprint of the catalog has no ``node_checks.py``: its nodes would go untested."""


@dataclass(frozen=True)
class BlueprintChecks:
    name: str
    # run in order on the booted nodes; a check may involve several nodes, replace a node
    # (``Cluster.replace``) or run a negative control (the same probe with a wrong secret)
    checks: list[Check]
    # role -> guest TCP ports the host needs forwarded (SSH is always forwarded)
    forwards: dict[str, list[int]] = field(default_factory=dict)
    # servers that are not Pulumi Instances, from the captured resources (e.g. the workers a
    # Heat stack creates with the user data the program rendered for it)
    extra_nodes: Callable[[list[Any]], list[NodeSpec]] | None = None
    # wall time this blueprint's boot and checks should take on the 2-core CI machine (TCG)
    budget_seconds: int = 900
    # the answer set the nodes are baked with (``osbp new --set KEY=VALUE``), when the
    # defaults do not show every role or repeat more servers than one boot can hold
    answers: dict[str, str] = field(default_factory=dict)
    # role -> services of the shared image (every role's packages) that this role's own
    # image would not have, masked at boot (e.g. the app role's nginx on an HAProxy node)
    absent_services: dict[str, tuple[str, ...]] = field(default_factory=dict)


_REGISTRY: dict[str, BlueprintChecks] = {}
BLUEPRINTS = Path(__file__).resolve().parents[3] / "blueprints"


def register(checks: BlueprintChecks) -> BlueprintChecks:
    _REGISTRY[checks.name] = checks
    return checks


def checks_file(name: str) -> Path:
    return BLUEPRINTS / name / "node_checks.py"


def for_blueprint(name: str) -> BlueprintChecks:
    """The checks of ``blueprints/<name>/node_checks.py``, which registers them on import."""
    if name not in _REGISTRY:
        path = checks_file(name)
        if not path.is_file():
            raise NoNodeChecks(f"blueprint {name} has no node checks ({path} is missing)")
        spec = importlib.util.spec_from_file_location(f"node_checks_{name.replace('-', '_')}", path)
        assert spec is not None and spec.loader is not None
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        if name not in _REGISTRY:
            raise NoNodeChecks(f"{path} does not register checks for {name}")
    return _REGISTRY[name]
