"""Per-blueprint node checks, registered by blueprint name.

Each blueprint folder has a ``node_checks.py`` that builds a ``BlueprintChecks`` and passes it
to ``register``; ``for_blueprint`` loads it on demand. ``common`` holds checks every role shares.
"""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..checks import Check
from ..spec import Deployment


@dataclass(frozen=True)
class BlueprintChecks:
    name: str
    checks: list[Check]
    # role -> guest TCP ports the host needs forwarded (SSH is always forwarded)
    forwards: dict[str, list[int]] = field(default_factory=dict)
    # negative control: break the deployment the way a generator bug could; returns a description
    break_config: Callable[[Deployment], str] | None = None
    # checks that must FAIL under the negative control
    expected_failures: list[str] = field(default_factory=list)


_REGISTRY: dict[str, BlueprintChecks] = {}
BLUEPRINTS = Path(__file__).resolve().parents[3] / "blueprints"


def register(checks: BlueprintChecks) -> BlueprintChecks:
    _REGISTRY[checks.name] = checks
    return checks


def for_blueprint(name: str) -> BlueprintChecks:
    """The checks of ``blueprints/<name>/node_checks.py``, which registers them on import."""
    if name not in _REGISTRY:
        path = BLUEPRINTS / name / "node_checks.py"
        if not path.is_file():
            raise KeyError(f"no node checks for blueprint {name!r} ({path} is missing)")
        spec = importlib.util.spec_from_file_location(f"node_checks_{name.replace('-', '_')}", path)
        assert spec is not None and spec.loader is not None
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    return _REGISTRY[name]
