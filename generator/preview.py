"""Offline preview of a generated project: the library call behind ``osbp preview``.

No cloud and no Pulumi CLI: the project's program runs in-process under the
Pulumi SDK's mocks, through the project's own ``components/offline.py`` (the
same harness its tests use), and the registered resources are rendered as a
tree, as JSON, or as a Mermaid graph.
"""

from __future__ import annotations

import ast
import importlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from generator.errors import PreviewError
from generator.paths import SHARED_LAYER, blueprints_dir

OFFLINE_MODULE = "components/offline.py"


def runner_api(offline_module: Path) -> int | None:
    """The ``RUNNER_API`` constant of an offline runner, read without importing it."""
    try:
        tree = ast.parse(offline_module.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "RUNNER_API" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, int)
        ):
            return node.value.value
    return None


def expected_runner_api() -> int | None:
    """The runner API of the projects this osbp generates (its own shared layer)."""
    return runner_api(blueprints_dir() / SHARED_LAYER / "project" / OFFLINE_MODULE)


@dataclass
class ProgramCapture:
    """What a program registered, with secrets masked unless revealed."""

    blueprint: str
    project: str
    stack: str
    resources: list[Any]
    """``components.offline.Registration`` records: urn, type, name, parent, id, inputs..."""
    outputs: dict[str, Any]
    invocations: list[Any] = field(default_factory=list)
    """``components.offline.Invocation`` records: data-source token, args, provider."""


def load_runner(project_dir: Path) -> ModuleType:
    """The project's own ``components.offline``, imported from the project folder.

    The runner is a package module (it imports ``components.mocks``); the project
    folder stays on ``sys.path`` only for the import, and ``run_offline`` forgets
    the project's modules after the run.
    """
    path = project_dir / OFFLINE_MODULE
    if not path.is_file():
        raise PreviewError(f"{project_dir} is not an osbp project (no {OFFLINE_MODULE})")
    found, expected = runner_api(path), expected_runner_api()
    if found != expected:
        raise PreviewError(
            f"{project_dir} vendors offline runner API {found or 'unversioned'}, this osbp"
            f" runs API {expected}: regenerate the project with this osbp (osbp update)"
        )
    for name in [m for m in sys.modules if m == "components" or m.startswith("components.")]:
        del sys.modules[name]
    sys.path.insert(0, str(project_dir))
    try:
        return importlib.import_module("components.offline")
    except Exception as error:  # an edited or broken vendored library
        where = ""
        if isinstance(error, SyntaxError) and error.filename:
            where = f" ({error.filename}:{error.lineno})"
        raise PreviewError(
            f"{project_dir}: cannot load its components/ library{where}: {error}"
        ) from None
    finally:
        sys.path.remove(str(project_dir))


def blueprint_of(project_dir: Path) -> str:
    answers = project_dir / ".osbp-answers.yml"
    if not answers.is_file():
        return "unknown"
    try:
        doc = yaml.safe_load(answers.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise PreviewError(f"{answers}: invalid YAML") from None
    return str(doc.get("blueprint", "unknown")) if isinstance(doc, dict) else "unknown"


def capture_program(
    project_dir: str | Path,
    stack: str | None = None,
    *,
    preview: bool = False,
    reveal_secrets: bool = False,
) -> ProgramCapture:
    """Run the project's program offline and return its resources and outputs.

    ``preview=False`` simulates ``pulumi up`` (ids, addresses and rendered user
    data filled in); ``reveal_secrets`` keeps secret values instead of ``[secret]``.
    """
    project_dir = Path(project_dir).resolve()
    offline = load_runner(project_dir)
    try:
        run = offline.run_offline(project_dir, stack, preview=preview)
    except offline.OfflineError as error:
        raise PreviewError(str(error)) from None
    clean = offline.reveal if reveal_secrets else offline.mask
    for resource in run.resources:
        resource.inputs = clean(resource.inputs)
        resource.outputs = clean(resource.outputs)
    for invocation in run.invocations:
        invocation.args = clean(invocation.args)
    return ProgramCapture(
        blueprint=blueprint_of(project_dir),
        project=run.project,
        stack=run.stack,
        resources=run.resources,
        outputs=clean(run.outputs),
        invocations=run.invocations,
    )


# --- renderings ---------------------------------------------------------------


def render_json(capture: ProgramCapture) -> str:
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "provider": r.provider,
            "dependencies": r.dependencies,
            "inputs": r.inputs,
        }
        for r in capture.resources
    ]
    document = {
        "blueprint": capture.blueprint,
        "project": capture.project,
        "stack": capture.stack,
        "resources": resources,
        "invokes": [
            {"token": i.token, "provider": i.provider, "args": i.args} for i in capture.invocations
        ],
        "outputs": capture.outputs,
    }
    return json.dumps(document, indent=2, sort_keys=False)


def _short_type(type_token: str) -> str:
    """``openstack:networking/port:Port`` -> ``openstack:Port``."""
    package, _, rest = type_token.partition(":")
    return f"{package}:{rest.rsplit(':', 1)[-1]}"


def _summary(inputs: dict[str, Any], width: int = 60) -> str:
    shown = []
    for key in (
        "name",
        "cidr",
        "imageName",
        "flavorName",
        "size",
        "protocol",
        "portRangeMin",
        "remoteIpPrefix",
        "pool",
        "length",
    ):
        if key in inputs and inputs[key] not in ("", None):
            shown.append(f"{key}={inputs[key]}")
    text = " ".join(shown)
    return text if len(text) <= width else text[: width - 1] + "…"


def render_tree(capture: ProgramCapture) -> str:
    """Resources nested under their parents, then counts per type and outputs."""
    children: dict[str | None, list[Any]] = {}
    for resource in capture.resources:
        children.setdefault(resource.parent, []).append(resource)
    known = {r.urn for r in capture.resources}
    roots = [r for r in capture.resources if r.parent not in known]
    lines = [f"{capture.blueprint}: project {capture.project}, stack {capture.stack}"]

    def walk(resource: Any, depth: int) -> None:
        detail = _summary(resource.inputs)
        label = f"{'  ' * depth}+ {_short_type(resource.type)} {resource.name}"
        lines.append(f"{label}  {detail}".rstrip())
        for child in children.get(resource.urn, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 1)
    counts = Counter(r.type for r in capture.resources if r.custom)
    lines.append("")
    lines.append(f"{sum(counts.values())} resources to create:")
    lines += [f"  {count:3d} {type_token}" for type_token, count in sorted(counts.items())]
    lines.append("")
    lines.append("Outputs:")
    lines += [f"  {name}: {value}" for name, value in capture.outputs.items()]
    return "\n".join(lines)


def render_mermaid(capture: ProgramCapture) -> str:
    """The real graph: components as subgraphs, data dependencies as arrows."""
    lines = ["flowchart LR"]
    by_urn = {r.urn: r for r in capture.resources}
    node_ids = {r.urn: f"n{index}" for index, r in enumerate(capture.resources)}
    components = [r for r in capture.resources if not r.custom]
    members: dict[str | None, list[Any]] = {}
    for resource in capture.resources:
        members.setdefault(resource.parent if resource.parent in by_urn else None, []).append(
            resource
        )

    def emit(parent: str | None, indent: str) -> None:
        for resource in members.get(parent, []):
            if resource.custom:
                label = f"{_short_type(resource.type)} {resource.name}"
                lines.append(f'{indent}{node_ids[resource.urn]}["{label}"]')
            else:
                lines.append(f'{indent}subgraph {node_ids[resource.urn]} ["{resource.name}"]')
                emit(resource.urn, indent + "  ")
                lines.append(f"{indent}end")

    emit(None, "  ")
    component_urns = {c.urn for c in components}
    for resource in capture.resources:
        if not resource.custom:
            continue
        depends_on = {d for deps in resource.property_dependencies.values() for d in deps}
        for dependency in sorted(depends_on):
            if dependency in by_urn and dependency not in component_urns:
                lines.append(f"  {node_ids[dependency]} --> {node_ids[resource.urn]}")
    return "\n".join(lines)
