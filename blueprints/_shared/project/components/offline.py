"""Run this Pulumi program without a cloud and without the Pulumi CLI.

The Pulumi SDK's mocks stand in for the engine, ``components.mocks`` for the
cloud. ``RecordingMonitor`` keeps what the engine would see: parents,
dependencies and inputs under their wire names.

Used by this project's tests and by ``osbp preview``.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.sync_await import _sync_await

from components.mocks import OfflineError, OpenStackMocks
from components.wire import UNKNOWN, Secret, decode, mask, reveal

__all__ = [
    "UNKNOWN",
    "OfflineError",
    "OfflineRun",
    "Registration",
    "Secret",
    "mask",
    "read_stack_config",
    "reveal",
    "run_offline",
]


@dataclass
class Registration:
    """One resource as the engine would have registered it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class OfflineRun:
    """Everything a program registered, in a stable (URN) order, and its stack outputs."""

    project: str
    stack: str
    resources: list[Registration]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, type_token: str, name: str) -> Registration:
        matches = [r for r in self.of_type(type_token) if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources of type {type_token} named {name!r}")
        return matches[0]

    def by_id(self, resource_id: str) -> Registration:
        matches = [r for r in self.resources if r.id == resource_id]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources with id {resource_id!r}")
        return matches[0]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock engine that also keeps parents, dependencies and inputs of each resource."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == "pulumi:pulumi:Stack":
            return response
        outputs = rpc.deserialize_properties(response.object, keep_unknowns=True)
        if request.additionalSecretOutputs:
            # The engine, not the SDK, marks these secret (a password's ``result``).
            for key in request.additionalSecretOutputs:
                if key in outputs:
                    outputs[key] = rpc.wrap_rpc_secret(outputs[key])
            response.object.CopyFrom(_sync_await(rpc.serialize_properties(outputs, {})))
        self.registrations[response.urn] = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            dependencies=sorted(request.dependencies),
            property_dependencies={
                key: sorted(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            id=response.id or None,
            inputs=decode(rpc.deserialize_properties(request.object, keep_unknowns=True)),
            outputs=decode(outputs),
        )
        return response


# --- the project --------------------------------------------------------------


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    values: dict[str, str]


def read_stack_config(project_dir: Path, stack: str | None = None) -> StackConfig:
    """Project defaults from ``Pulumi.yaml`` overlaid with ``Pulumi.<stack>.yaml``.

    Mocks see no ``Pulumi.yaml`` defaults, so they are applied here, the way the
    CLI applies them.
    """
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise OfflineError(f"{project_dir} is not a Pulumi project (no Pulumi.yaml)")
    project_doc = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    project = str(project_doc["name"])
    stack = stack or _only_stack(project_dir)
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise OfflineError(f"no stack file {stack_file.name} in {project_dir}")
    values = {
        f"{project}:{key}": _config_text(spec.get("default"))
        for key, spec in (project_doc.get("config") or {}).items()
        if isinstance(spec, Mapping) and "default" in spec
    }
    stack_doc = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
    for key, value in (stack_doc.get("config") or {}).items():
        if isinstance(value, Mapping) and "secure" in value:
            raise OfflineError(f"{key} is encrypted; offline runs need plain config values")
        values[key if ":" in key else f"{project}:{key}"] = _config_text(value)
    return StackConfig(project=project, stack=stack, values=values)


def _only_stack(project_dir: Path) -> str:
    stacks = sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")
    )
    if len(stacks) != 1:
        raise OfflineError(f"choose a stack among {stacks or 'none'} in {project_dir}")
    return stacks[0]


def _config_text(value: Any) -> str:
    """Config reaches programs as strings; booleans, lists and objects as the CLI writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


@contextmanager
def _project_on_path(project_dir: Path) -> Iterator[None]:
    """Import the program's own modules, and forget them afterwards.

    Another project run later in the same process has modules of the same names
    (``components``, ``settings``).
    """
    before = set(sys.modules)
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        sys.path.remove(str(project_dir))
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if module_file.startswith(str(project_dir)):
                del sys.modules[name]


def run_offline(
    project_dir: str | Path,
    stack: str | None = None,
    *,
    preview: bool = False,
    config: Mapping[str, str] | None = None,
) -> OfflineRun:
    """Run ``__main__.py`` of ``project_dir`` under mocks and return what it registered.

    ``preview=True`` behaves like ``pulumi preview`` (cloud-computed values
    unknown); otherwise it simulates ``pulumi up`` so derived values are rendered.
    ``config`` overrides stack settings by key (``{"adminCidr": "192.0.2.0/24"}``).
    """
    project_dir = Path(project_dir).resolve()
    stack_config = read_stack_config(project_dir, stack)
    values = dict(stack_config.values)
    for key, value in (config or {}).items():
        values[key if ":" in key else f"{stack_config.project}:{key}"] = value
    mocks = OpenStackMocks(preview=preview)
    monitor = RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        mocks,
        project=stack_config.project,
        stack=stack_config.stack,
        preview=preview,
        monitor=monitor,
    )
    pulumi.runtime.set_all_config(values, [])
    program = project_dir / "__main__.py"

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run_program() -> None:
        runpy.run_path(str(program), run_name="__main__")

    with _project_on_path(project_dir):
        run_program()
    resources = sorted(monitor.registrations.values(), key=lambda r: r.urn)
    return OfflineRun(stack_config.project, stack_config.stack, resources, _stack_outputs())


def _stack_outputs() -> dict[str, Any]:
    root = pulumi_settings.get_root_resource()
    exported: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})
    return {name: _sync_await(_resolve(value)) for name, value in sorted(exported.items())}


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return UNKNOWN
    resolved = decode(await output.future())
    return Secret(resolved) if await output.is_secret() else resolved
