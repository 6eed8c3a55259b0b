"""Assemble the committed cookiecutter templates from the catalog.

Each ``cookiecutter-templates/<blueprint>/`` is the shared project layer
(``blueprints/_shared/project``) overlaid with the blueprint's own ``project/``,
plus a ``cookiecutter.json`` and a validating ``pre_gen_project`` hook derived
from ``blueprint.yaml``. Files ending in ``.j2`` are rendered here, at build time,
with ``[[ ]]``/``[% %]`` delimiters, so that ``{{ cookiecutter.* }}`` is left for
cookiecutter. The result works with plain cookiecutter, without osbp.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator import validation
from generator.catalog import Blueprint, Parameter, catalog_problems, list_blueprints
from generator.errors import BlueprintSpecError
from generator.paths import SHARED_LAYER, blueprints_dir, templates_dir

PROJECT_FOLDER = "{{cookiecutter.project_slug}}"
SKIPPED = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
VALIDATION_MODULE = "components/validation.py"
CONFIG_SPEC = "config-spec.json"
COPIED_AS_IS = [VALIDATION_MODULE, CONFIG_SPEC, "settings.py"]
"""Generated from the spec at build time; cookiecutter must not render them again."""

FileTree = dict[str, bytes]
"""Relative POSIX path -> content."""


@dataclass(frozen=True)
class BuildReport:
    changed: list[str]
    """Paths (relative to the templates folder) that differ from what is on disk."""


def _build_env() -> jinja2.Environment:
    env = jinja2.Environment(
        variable_start_string="[[",
        variable_end_string="]]",
        block_start_string="[%",
        block_end_string="%]",
        comment_start_string="[#",
        comment_end_string="#]",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    # A YAML/JSON scalar, without the HTML escaping of Jinja's ``tojson``.
    env.filters["quote"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.filters["docstring"] = _docstring
    env.filters["structured_value"] = _structured_value
    return env


def _docstring(text: str, indent: int = 4) -> str:
    """An attribute docstring that fits in 100 columns."""
    text = " ".join(str(text).replace("\\", "/").replace(QUOTES, SINGLE_QUOTES).split())
    lines = textwrap.wrap(text, width=100 - indent - 6) or [""]
    if len(lines) == 1:
        return QUOTES + lines[0] + QUOTES
    pad = " " * indent
    return QUOTES + f"\n{pad}".join(lines) + f"\n{pad}" + QUOTES


QUOTES = '"' * 3
SINGLE_QUOTES = "'" * 3


def _structured_value(parameter: Parameter) -> str:
    """The cookiecutter expression writing a list/object as one line of YAML (flow) structure.

    osbp passes the value as data; plain cookiecutter as the JSON text the hook
    validated (JSON is YAML).
    """
    variable = f"cookiecutter.{parameter.name}"
    empty = "[]" if parameter.type == "list" else "{}"
    return (
        f"{{{{ (({variable} if {variable} is string else {variable} | jsonify(none))"
        f' | replace("\\n", " ")) if {variable} != "" else "{empty}" }}}}'
    )


def _walk(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not SKIPPED.intersection(path.relative_to(root).parts):
            yield path


def _project_files(blueprint: Blueprint) -> FileTree:
    """The generated project's files, shared layer first so a blueprint can override."""
    env = _build_env()
    architecture_file = blueprint.path / "ARCHITECTURE.md"
    context = {
        "blueprint": blueprint,
        "architecture": architecture_file.read_text(encoding="utf-8").strip()
        if architecture_file.is_file()
        else "",
    }
    files: FileTree = {
        VALIDATION_MODULE: Path(validation.__file__).read_bytes(),
        CONFIG_SPEC: _json(blueprint.config_spec()),
    }
    for layer in (blueprints_dir() / SHARED_LAYER / "project", blueprint.project_dir):
        for path in _walk(layer):
            relative = path.relative_to(layer).as_posix()
            if relative.endswith(".j2"):
                template = env.from_string(path.read_text(encoding="utf-8"))
                files[relative[: -len(".j2")]] = template.render(context).encode()
            else:
                files[relative] = path.read_bytes()
    return files


def cookiecutter_context(blueprint: Blueprint) -> dict[str, object]:
    """``cookiecutter.json``: one prompt per parameter, with its help text.

    Secrets are not answers (cookiecutter keeps answers in clear in its replay
    file). A list is JSON text (cookiecutter would take a list for a choice); an
    object is a dict, which cookiecutter prompts for as JSON.
    """
    answers = [p for p in blueprint.parameters if not p.secret]
    context: dict[str, object] = {
        p.name: json.dumps(p.default, ensure_ascii=False) if p.type == "list" else p.default
        for p in answers
    }
    context["__prompts__"] = {p.name: p.prompt for p in answers if p.help}
    context["_copy_without_render"] = [*COPIED_AS_IS, *blueprint.copy_as_is]
    return context


def validation_hook(blueprint: Blueprint) -> str:
    """A stand-alone ``pre_gen_project.py``: ``generator.validation`` plus the spec."""
    module = Path(validation.__file__).read_text(encoding="utf-8")
    spec = json.dumps(blueprint.validation_spec(), indent=1, ensure_ascii=False)
    return (
        "{% raw %}"
        + module
        + "\n\n# --- generated by `osbp templates build` from blueprint.yaml ---\n"
        + "import json  # noqa: E402\nimport sys  # noqa: E402\n\n"
        + f"SPEC = json.loads(r'''{spec}''')\n"
        + "{% endraw %}"
        + "ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')\n"
        + "{% raw %}\n"
        + "try:\n    validate_answers(SPEC, ANSWERS)\n"
        + "except ValidationError as error:\n"
        + '    print(f"error: {error}", file=sys.stderr)\n    sys.exit(1)\n'
        + "{% endraw %}"
    )


def assemble(blueprint: Blueprint) -> FileTree:
    """Every file of ``cookiecutter-templates/<blueprint>/``."""
    tree: FileTree = {
        "cookiecutter.json": _json(cookiecutter_context(blueprint)),
        "hooks/pre_gen_project.py": validation_hook(blueprint).encode(),
    }
    for relative, content in _project_files(blueprint).items():
        tree[f"{PROJECT_FOLDER}/{relative}"] = content
    return tree


def menu(blueprints: list[Blueprint]) -> bytes:
    """The top ``cookiecutter.json``: cookiecutter's nested-templates menu."""
    templates = {
        b.name: {"path": f"./{b.name}", "title": b.title, "description": b.summary}
        for b in blueprints
    }
    return _json({"templates": templates})


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def expected_tree() -> FileTree:
    problems = catalog_problems()
    if problems:
        raise BlueprintSpecError(problems[0])
    blueprints = list_blueprints()
    tree: FileTree = {"cookiecutter.json": menu(blueprints)}
    for blueprint in blueprints:
        for relative, content in assemble(blueprint).items():
            tree[f"{blueprint.name}/{relative}"] = content
    return tree


def _on_disk(root: Path) -> FileTree:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in _walk(root)}


def build_templates(check: bool = False, root: Path | None = None) -> BuildReport:
    """Write (or, with ``check``, only compare) the templates folder.

    Writing goes to a temporary folder first, then replaces the old one, so an
    interrupted build never leaves a half-written template.
    """
    root = root or templates_dir()
    expected = expected_tree()
    actual = _on_disk(root)
    changed = sorted(
        path for path in set(expected) | set(actual) if expected.get(path) != actual.get(path)
    )
    if check or not changed:
        return BuildReport(changed)
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".templates-", dir=root.parent))
    try:
        for relative, content in expected.items():
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuildReport(changed)
