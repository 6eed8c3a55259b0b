"""Generate a project from a blueprint: the library call behind ``osbp new``.

The answers are validated before cookiecutter writes anything; the project is
baked in a staging folder next to the target and moved into place only when
complete, so a failure never leaves a half-written project behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.catalog import Blueprint, get_blueprint
from generator.errors import AnswersError, TargetExistsError
from generator.merge_base import store_merge_base
from generator.paths import templates_dir
from generator.validation import check_known, validate_answers


def read_answers_file(path: Path) -> dict[str, Any]:
    """Answers from an ``.osbp-answers.yml`` (or a plain YAML mapping of answers)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise AnswersError(f"cannot read answers file {path}: {error}") from None
    if not isinstance(doc, dict):
        raise AnswersError(f"answers file {path} is not a mapping")
    answers = doc.get("answers", doc)
    if not isinstance(answers, dict):
        raise AnswersError(f"'answers' in {path} is not a mapping")
    return {
        str(key): value for key, value in answers.items() if key not in ("blueprint", "version")
    }


def resolve_answers(
    blueprint: Blueprint, answers: Mapping[str, Any], no_input: bool = True
) -> dict[str, Any]:
    """Every parameter's value: given answers, then prompts or defaults, validated.

    Defaults that refer to other answers (``project_slug``) are rendered the
    way cookiecutter renders them.
    """
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    spec = blueprint.validation_spec()
    check_known(spec, answers, private_ok=False)
    template = template_path(blueprint)
    context = generate_context(
        context_file=str(template / "cookiecutter.json"),
        extra_context={key: str(value) for key, value in answers.items()},
    )
    rendered = prompt_for_config(context, no_input=no_input)
    return validate_answers(spec, rendered)


def template_path(blueprint: Blueprint) -> Path:
    return templates_dir() / blueprint.name


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
    from cookiecutter.main import cookiecutter

    blueprint = get_blueprint(name)
    values = resolve_answers(blueprint, answers or {}, no_input=no_input)
    output = Path(output_dir).resolve()
    slug: str = values["project_slug"]
    target = output / slug
    if target.exists():
        raise TargetExistsError(f"{target} already exists; choose another -o or project_slug")
    output.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{values['project_slug']}-", dir=output))
    try:
        cookiecutter(
            str(template_path(blueprint)),
            no_input=True,
            extra_context={key: value for key, value in values.items() if not key.startswith("_")},
            output_dir=str(staging),
        )
        store_merge_base(staging / values["project_slug"])
        (staging / values["project_slug"]).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
