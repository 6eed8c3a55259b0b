"""Per-blueprint node checks, registered by blueprint name.

A blueprint module (``roles/<blueprint_with_underscores>.py``) builds a ``BlueprintChecks`` and
passes it to ``register``; ``for_blueprint`` imports the module on demand.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

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


def register(checks: BlueprintChecks) -> BlueprintChecks:
    _REGISTRY[checks.name] = checks
    return checks


def for_blueprint(name: str) -> BlueprintChecks:
    if name not in _REGISTRY:
        try:
            importlib.import_module(f"{__name__}.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            raise KeyError(f"no node checks for blueprint {name!r} (tests/nodes/roles/)") from exc
    return _REGISTRY[name]
