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

from generator.errors import BlueprintSpecError, UnknownBlueprintError
from generator.paths import SHARED_LAYER, blueprints_dir
from generator.schema import SpecError, check_blueprint
from generator.validation import config_key

PROJECT_PARAMETERS: tuple[dict[str, Any], ...] = (
    {"name": "project_name", "type": "string", "help": "Human name of the project"},
    {
        "name": "project_slug",
        "type": "slug",
        # Transliterated ("Café Été" -> cafe-ete) by cookiecutter's own slugify filter,
        # so osbp and plain cookiecutter derive the same slug.
        "default": "{{ cookiecutter.project_name|slugify(max_length=63) }}",
        "derived_from": "project_name",
        "help": "Folder and Pulumi project name",
    },
    {"name": "stack", "type": "slug", "default": "dev", "help": "Name of the first Pulumi stack"},
)
"""Parameters every project has; they shape the project, not the Pulumi config."""


PYTHON_TYPES = {"integer": "int", "boolean": "bool"}
"""Python type of a scalar value in the generated settings module (others are ``str``)."""


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
        return config_key(self.name)

    @property
    def config_type(self) -> str:
        """The type Pulumi.yaml declares (Pulumi's own config types)."""
        return {
            "integer": "integer",
            "boolean": "boolean",
            "list": "array",
            "object": "object",
        }.get(self.type, "string")

    @property
    def items_type(self) -> str:
        """For a list: the Pulumi type of its items."""
        kind = str(self.spec.get("items", {}).get("type", "string"))
        return {"integer": "integer", "boolean": "boolean", "object": "object"}.get(kind, "string")

    @property
    def secret(self) -> bool:
        return self.type == "secret"

    @property
    def structured(self) -> bool:
        """Lists and objects: YAML structure in the stack file, JSON text in cookiecutter."""
        return self.type in ("list", "object")

    @property
    def optional(self) -> bool:
        return bool(self.spec.get("optional", False))

    @property
    def record(self) -> Record | None:
        """The dataclass the settings module generates for an object or a list of objects."""
        if self.type == "object":
            fields = self.spec["fields"]
        elif self.type == "list" and self.spec["items"]["type"] == "object":
            fields = self.spec["items"]["fields"]
        else:
            return None
        return Record(
            class_name=self.spec.get("class_name") or _class_name(self.name, self.type == "list"),
            fields=[
                (f["name"], PYTHON_TYPES.get(f["type"], "str"), f.get("help", "")) for f in fields
            ],
            description=f"One {'item' if self.type == 'list' else 'value'} of ``{self.name}``.",
        )

    @property
    def python_type(self) -> str:
        """The attribute's type in the generated ``Settings``."""
        record = self.record
        if self.type == "secret":
            return "pulumi.Output[str] | None" if self.optional else "pulumi.Output[str]"
        if self.type == "object":
            assert record
            return record.class_name
        if self.type == "list":
            item_type = PYTHON_TYPES.get(self.spec["items"]["type"], "str")
            inner = record.class_name if record else item_type
            return f"list[{inner}]"
        return PYTHON_TYPES.get(self.type, "str")

    @property
    def prompt(self) -> str:
        """The cookiecutter prompt: the help, and how to type a list or an object."""
        if self.type in ("enum", "choice"):
            return f"{self.help} ({', '.join(map(str, self.spec['choices']))})"
        if self.type == "list":
            return f"{self.help} (JSON list)"
        return self.help


@dataclass(frozen=True)
class Record:
    class_name: str
    fields: list[tuple[str, str, str]]
    """(name, Python type, help) of each field."""
    description: str
    """Its docstring: which parameter it is the item or value of."""


def _class_name(name: str, plural: bool) -> str:
    words = name.split("_")
    if plural:
        last = words[-1]
        for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("s", "")):
            if last.endswith(suffix) and len(last) > len(suffix):
                words[-1] = last[: -len(suffix)] + replacement
                break
        else:
            words.append("item")
    return "".join(word.capitalize() for word in words)


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
    secret_outputs: list[str] = field(default_factory=list)
    """Outputs marked ``secret: true`` (shown only by ``--show-secrets``)."""
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Named non-default answer sets, baked and tested like the defaults."""
    stacks: list[dict[str, str]] = field(default_factory=list)
    """Stacks the acceptance flow deploys: name, rights (system-admin|admin|member|reader), help."""
    explicit_providers: list[str] = field(default_factory=list)
    """Packages whose default provider every stack disables (each resource names one)."""
    copy_as_is: list[str] = field(default_factory=list)
    """Patterns of project files that cookiecutter copies without rendering them."""
    path: Path = Path()

    @property
    def project_dir(self) -> Path:
        return self.path / "project"

    @property
    def config_parameters(self) -> list[Parameter]:
        return [parameter for parameter in self.parameters if parameter.in_config]

    @property
    def records(self) -> list[Record]:
        return [record for p in self.config_parameters if (record := p.record)]

    @property
    def secrets(self) -> list[Parameter]:
        return [parameter for parameter in self.config_parameters if parameter.secret]

    def validation_spec(self) -> dict[str, Any]:
        """Plain data for ``generator.validation`` (also embedded in the template hook)."""
        return {
            "parameters": [parameter.spec for parameter in self.parameters],
            "constraints": self.constraints,
        }

    def config_spec(self) -> dict[str, Any]:
        """The same rules for the stack's config, by the generated ``settings.py``."""
        return {
            "parameters": [
                {**parameter.spec, "config_key": parameter.config_key}
                for parameter in self.config_parameters
            ],
            "constraints": self.constraints,
        }


EMPTY_DEFAULTS: dict[str, Any] = {"list": [], "object": {}, "secret": None}


def _parameter(spec: dict[str, Any], in_config: bool) -> Parameter:
    empty = EMPTY_DEFAULTS.get(spec["type"], "")
    if spec["type"] == "object" and "default" not in spec:
        empty = {f["name"]: f["default"] for f in spec["fields"] if "default" in f}
    return Parameter(
        name=spec["name"],
        type=spec["type"],
        default=spec.get("default", empty),
        help=spec.get("help", ""),
        spec=spec,
        in_config=in_config,
    )


def load_blueprint(path: Path) -> Blueprint:
    """Read and check ``path/blueprint.yaml``; ``BlueprintSpecError`` names what is wrong."""
    spec_file = path / "blueprint.yaml"
    shown = _shown(spec_file)
    try:
        doc = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "syntax error"
        raise BlueprintSpecError(f"{shown}: not valid YAML{where} ({problem})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BlueprintSpecError(f"{shown}: cannot read it ({error})") from None
    try:
        check_blueprint(doc)
    except SpecError as error:
        raise BlueprintSpecError(f"{shown}: {error}") from None
    project = [dict(spec) for spec in PROJECT_PARAMETERS]
    project[0]["default"] = doc["name"]
    if doc.get("stacks"):  # the first stack the blueprint declares is the one generated
        project[2]["default"] = doc["stacks"][0]["name"]
    parameters = [_parameter(spec, in_config=False) for spec in project]
    parameters += [_parameter(spec, in_config=True) for spec in doc.get("parameters") or []]
    return Blueprint(
        name=doc["name"],
        version=str(doc["version"]),
        title=doc["title"],
        summary=" ".join(doc["summary"].split()),
        seed_section=doc.get("seed_section", ""),
        services=list(doc.get("services") or []),
        node_roles=list(doc.get("node_roles") or []),
        diagram=(doc.get("diagram") or "").rstrip() + "\n",
        parameters=parameters,
        constraints=list(doc.get("constraints") or []),
        outputs={
            name: value["help"] if isinstance(value, dict) else value
            for name, value in (doc.get("outputs") or {}).items()
        },
        secret_outputs=[
            name
            for name, value in (doc.get("outputs") or {}).items()
            if isinstance(value, dict) and value.get("secret", False)
        ],
        examples=dict(doc.get("examples") or {}),
        stacks=list(doc.get("stacks") or []),
        explicit_providers=list(doc.get("explicit_providers") or []),
        copy_as_is=list(doc.get("copy_as_is") or []),
        path=path,
    )


def _shown(path: Path) -> str:
    """A spec file as a person finds it: relative to the catalog's parent folder."""
    try:
        return path.relative_to(path.parent.parent.parent).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Catalog:
    blueprints: dict[str, Blueprint]
    broken: dict[str, str]
    """Folder name -> the one-line reason its spec was refused."""


@cache
def _catalog(root: Path) -> Catalog:
    folders = sorted(p for p in root.iterdir() if (p / "blueprint.yaml").is_file())
    blueprints: dict[str, Blueprint] = {}
    broken: dict[str, str] = {}
    for folder in folders:
        if folder.name == SHARED_LAYER:
            continue
        try:
            blueprint = load_blueprint(folder)
        except BlueprintSpecError as error:
            broken[folder.name] = str(error)
            continue
        blueprints[blueprint.name] = blueprint
    return Catalog(blueprints, broken)


def list_blueprints() -> list[Blueprint]:
    """Every valid blueprint of the catalog, by name (see ``catalog_problems``)."""
    return list(_catalog(blueprints_dir()).blueprints.values())


def catalog_problems() -> list[str]:
    """One line per blueprint whose spec is refused; the others still work."""
    return list(_catalog(blueprints_dir()).broken.values())


def get_blueprint(name: str) -> Blueprint:
    catalog = _catalog(blueprints_dir())
    if name in catalog.broken:
        raise BlueprintSpecError(catalog.broken[name])
    known = catalog.blueprints
    if name not in known:
        close = [other for other in known if re.sub(r"\W", "", name) in re.sub(r"\W", "", other)]
        hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(known)}"
        raise UnknownBlueprintError(f"unknown blueprint {name!r}{hint}")
    return known[name]
