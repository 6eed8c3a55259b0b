"""Generate a project from a blueprint: the library call behind ``osbp new``.

The answers are validated before cookiecutter writes anything; the project is
baked in a staging folder next to the target and moved into place only when
complete, so a failure never leaves a half-written project behind.

Answers are literal values, never templates: ``{{ 7*7 }}`` in a project name
stays ``{{ 7*7 }}``. Only the spec's own default of ``project_slug`` is derived
(rendered) from another answer.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.catalog import Blueprint, Parameter, get_blueprint
from generator.errors import AnswersError, OsbpError, OutputDirError, TargetExistsError
from generator.merge_base import store_merge_base
from generator.paths import templates_dir
from generator.validation import CHECKS, check_known, validate_answers


def read_answers_file(path: Path) -> dict[str, Any]:
    """Answers from an ``.osbp-answers.yml`` (or a plain YAML mapping of answers)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise AnswersError(f"cannot read answers file {path}: {_one_line(error)}") from None
    if not isinstance(doc, dict):
        raise AnswersError(f"answers file {path} is not a mapping")
    answers = doc.get("answers", doc)
    if not isinstance(answers, dict):
        raise AnswersError(f"'answers' in {path} is not a mapping")
    return {
        str(key): value for key, value in answers.items() if key not in ("blueprint", "version")
    }


def with_assignments(
    name: str, answers: Mapping[str, Any], assignments: Mapping[str, str]
) -> dict[str, Any]:
    """Apply ``--set KEY=VALUE`` texts to ``answers`` (e.g. from an answers file).

    A scalar takes the text literally. A list or an object takes a YAML/JSON value
    (``tenants=[{name: acme, plan: small}]``), and a dotted path sets one field:
    ``quota.cores=8`` in an object, ``tenants.acme.vms=2`` in the item of a list
    whose key field (``key:``, default ``name``) is ``acme`` (added if missing).
    """
    blueprint = get_blueprint(name)
    parameters = {parameter.name: parameter for parameter in blueprint.parameters}
    result = dict(answers)
    for key, text in assignments.items():
        head, _, path = key.partition(".")
        parameter = parameters.get(head)
        if not path:
            structured = parameter is not None and parameter.structured
            result[key] = _structured_value(key, text) if structured else text
            continue
        if parameter is None or not parameter.structured:
            raise AnswersError(f"--set {key}: {head} is not a list or object parameter")
        result[head] = _set_path(parameter, result.get(head), path.split("."), text, key)
    return result


def _structured_value(key: str, text: str) -> Any:
    if not text.strip():
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AnswersError(f"--set {key}: not a YAML or JSON value ({_one_line(error)})") from None


def _set_path(parameter: Parameter, current: Any, path: list[str], text: str, key: str) -> Any:
    value = copy.deepcopy(parameter.default if current is None else current)
    if isinstance(value, str):
        value = _structured_value(key, value)
    if parameter.type == "object":
        if len(path) != 1:
            raise AnswersError(f"--set {key}: an object field is {parameter.name}.FIELD")
        value = dict(value or {})
        value[path[0]] = text
        return value
    if parameter.spec["items"]["type"] != "object" or len(path) != 2:
        raise AnswersError(
            f"--set {key}: an item's field is {parameter.name}.ITEM.FIELD "
            f"(or set the whole list: {parameter.name}=[...])"
        )
    item_key = parameter.spec.get("key", "name")
    items = list(value or [])
    wanted, field = path
    matches = [i for i in items if isinstance(i, dict) and str(i.get(item_key)) == wanted]
    if matches:
        matches[0][field] = text
    else:
        items.append({item_key: wanted, field: text})
    return items


def resolve_answers(
    blueprint: Blueprint, answers: Mapping[str, Any], no_input: bool = True
) -> dict[str, Any]:
    """Every parameter's value: given answers, then prompts or defaults, validated.

    Defaults that refer to other answers (``project_slug``) are rendered the
    way cookiecutter renders them; the given answers themselves never are.
    """
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config
    from jinja2 import TemplateError

    spec = blueprint.validation_spec()
    check_known(spec, answers, private_ok=False)
    structured = {p.name for p in blueprint.parameters if p.structured}
    for key, value in answers.items():
        if key not in structured and isinstance(value, list | dict):
            raise AnswersError(f"{key}: expected one value, got {json.dumps(value)}")
    for parameter in blueprint.parameters:  # cookiecutter itself fails on a bad yes/no
        if parameter.type == "boolean" and parameter.name in answers:
            CHECKS["boolean"](parameter.name, answers[parameter.name], parameter.spec)
    template = template_path(blueprint)
    context = generate_context(
        context_file=str(template / "cookiecutter.json"),
        extra_context={
            key: _literal(_cookiecutter_text(value, key in structured))
            for key, value in answers.items()
        },
    )
    try:
        rendered = prompt_for_config(context, no_input=no_input)
    except TemplateError as error:  # only the spec's own derived defaults are rendered
        raise AnswersError(f"cannot derive a default: {_one_line(error)}") from None
    for name in structured:
        if isinstance(rendered.get(name), str):
            rendered[name] = _parse_typed(rendered[name])
    if "project_slug" in answers:
        spec = _without_derivation(spec, "project_slug")
    return validate_answers(spec, rendered)


def _cookiecutter_text(value: Any, structured: bool) -> str:
    """How cookiecutter carries an answer: text; lists and objects as JSON text."""
    if structured:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _literal(text: str) -> str:
    """A Jinja expression that renders to exactly ``text`` (cookiecutter renders answers)."""
    if not any(mark in text for mark in ("{", "}", "#")):
        return text
    # A JSON string literal (unicode escapes, \\" and \\\\) is also a Jinja string literal.
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}"


def _parse_typed(text: str) -> Any:
    """A list/object typed at a prompt: YAML or JSON; left as text if neither."""
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return text


def _without_derivation(spec: dict[str, Any], name: str) -> dict[str, Any]:
    parameters = [
        {k: v for k, v in p.items() if k != "derived_from"} if p["name"] == name else p
        for p in spec["parameters"]
    ]
    return {**spec, "parameters": parameters}


def template_path(blueprint: Blueprint) -> Path:
    return templates_dir() / blueprint.name


def _staging_folder(output_dir: str | Path, slug: str) -> tuple[Path, Path]:
    """``(output, staging)``: the output folder (created) and a fresh folder inside it."""
    output = Path(output_dir)
    for folder in (output, *output.parents):
        if folder.exists() and not folder.is_dir():
            raise OutputDirError(f"cannot create the project under {output}: {folder} is a file")
    try:
        output = output.resolve()
        output.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=output))
    except OSError as error:
        reason = error.strerror or _one_line(error)
        raise OutputDirError(f"cannot create the project under {output}: {reason}") from None
    return output, staging


def new_project(
    name: str,
    output_dir: str | Path = ".",
    answers: Mapping[str, Any] | None = None,
    no_input: bool = True,
) -> Path:
    """Generate the project of blueprint ``name`` in ``output_dir/<project_slug>``.

    Raises ``OsbpError``/``ValidationError`` subclasses for bad input; nothing
    is written in that case.
    """
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_context, generate_files

    blueprint = get_blueprint(name)
    values = resolve_answers(blueprint, answers or {}, no_input=no_input)
    slug: str = values["project_slug"]
    if (Path(output_dir) / slug).exists():
        raise TargetExistsError(
            f"{Path(output_dir).resolve() / slug} already exists; choose another -o or project_slug"
        )
    template = template_path(blueprint)
    # The validated values go straight to the file templates: prompting (and with it
    # cookiecutter's rendering of answers, and its replay file) is already done.
    context = generate_context(context_file=str(template / "cookiecutter.json"))
    context["cookiecutter"].update(
        {key: value for key, value in values.items() if not key.startswith("_")}
    )
    context["cookiecutter"]["_template"] = str(template)
    output, staging = _staging_folder(output_dir, slug)
    target = output / slug
    try:
        generate_files(repo_dir=str(template), context=context, output_dir=str(staging))
        store_merge_base(staging / slug)
        (staging / slug).rename(target)
    except OSError as error:
        reason = error.strerror or _one_line(error)
        raise OutputDirError(f"cannot write the project to {target}: {reason}") from None
    except CookiecutterException as error:
        raise OsbpError(f"cannot generate {name}: {_one_line(error)}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
