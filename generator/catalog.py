"""The blueprint catalog: one folder of ``blueprints/`` per blueprint.

Adding a blueprint is adding a folder with a ``blueprint.yaml`` and a
``project/`` tree; nothing here names a blueprint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UnknownBlueprintError
from generator.paths import SHARED_LAYER, blueprints_dir

PROJECT_PARAMETERS: tuple[dict[str, Any], ...] = (
    {"name": "project_name", "type": "string", "help": "Human name of the project"},
    {
        "name": "project_slug",
        "type": "slug",
        "default": "{{ cookiecutter.project_name|lower|replace(' ', '-')|replace('_', '-') }}",
        "help": "Folder and Pulumi project name",
    },
    {"name": "stack", "type": "slug", "default": "dev", "help": "Name of the first Pulumi stack"},
)
"""Parameters every project has; they shape the project, not the Pulumi config."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    help: str
    spec: dict[str, Any]
    in_config: bool

    @property
    def config_key(self) -> str:
        """The Pulumi config key: ``frontend_cidr`` -> ``frontendCidr``."""
        head, *rest = self.name.split("_")
        return head + "".join(word.capitalize() for word in rest)

    @property
    def config_type(self) -> str:
        return {"integer": "integer", "boolean": "boolean"}.get(self.type, "string")


@dataclass(frozen=True)
class Blueprint:
    name: str
    version: str
    title: str
    summary: str
    seed_section: str
    services: list[str]
    node_roles: list[str]
    diagram: str
    parameters: list[Parameter]
    constraints: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    """Stack outputs the program exports, with what each one is."""
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Named non-default answer sets, baked and tested like the defaults."""
    path: Path = Path()

    @property
    def project_dir(self) -> Path:
        return self.path / "project"

    @property
    def config_parameters(self) -> list[Parameter]:
        return [parameter for parameter in self.parameters if parameter.in_config]

    def validation_spec(self) -> dict[str, Any]:
        """Plain data for ``generator.validation`` (also embedded in the template hook)."""
        return {
            "parameters": [parameter.spec for parameter in self.parameters],
            "constraints": self.constraints,
        }


def _parameter(spec: dict[str, Any], in_config: bool) -> Parameter:
    return Parameter(
        name=spec["name"],
        type=spec["type"],
        default=spec.get("default", ""),
        help=spec.get("help", ""),
        spec=spec,
        in_config=in_config,
    )


def load_blueprint(path: Path) -> Blueprint:
    """Read ``path/blueprint.yaml``."""
    doc = yaml.safe_load((path / "blueprint.yaml").read_text(encoding="utf-8"))
    project = [dict(spec) for spec in PROJECT_PARAMETERS]
    project[0]["default"] = doc["name"]
    parameters = [_parameter(spec, in_config=False) for spec in project]
    parameters += [_parameter(spec, in_config=True) for spec in doc.get("parameters", [])]
    return Blueprint(
        name=doc["name"],
        version=str(doc["version"]),
        title=doc["title"],
        summary=" ".join(doc["summary"].split()),
        seed_section=doc.get("seed_section", ""),
        services=list(doc.get("services", [])),
        node_roles=list(doc.get("node_roles", [])),
        diagram=doc.get("diagram", "").rstrip() + "\n",
        parameters=parameters,
        constraints=list(doc.get("constraints", [])),
        outputs=dict(doc.get("outputs") or {}),
        examples=dict(doc.get("examples") or {}),
        path=path,
    )


@cache
def _catalog(root: Path) -> dict[str, Blueprint]:
    folders = sorted(p for p in root.iterdir() if (p / "blueprint.yaml").is_file())
    blueprints = [load_blueprint(folder) for folder in folders if folder.name != SHARED_LAYER]
    return {blueprint.name: blueprint for blueprint in blueprints}


def list_blueprints() -> list[Blueprint]:
    """Every blueprint of the catalog, by name."""
    return list(_catalog(blueprints_dir()).values())


def get_blueprint(name: str) -> Blueprint:
    catalog = _catalog(blueprints_dir())
    if name not in catalog:
        close = [known for known in catalog if re.sub(r"\W", "", name) in re.sub(r"\W", "", known)]
        hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(catalog)}"
        raise UnknownBlueprintError(f"unknown blueprint {name!r}{hint}")
    return catalog[name]
