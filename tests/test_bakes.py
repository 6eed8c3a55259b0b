"""Every blueprint, baked with plain cookiecutter for its defaults and its examples.

A baked project is product code: its own tests pass and ruff and mypy are clean
when run exactly as its README says (``make install``, ``make test``, ``make
lint``, with its own ``venv/``: see the ``installed`` fixture for how one install
per blueprint is shared), its node configuration passes cloud-init's schema
validator, and its graph honours the security defaults.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import make
from generator.catalog import Blueprint, list_blueprints
from generator.preview import ProgramCapture, capture_program

SENSITIVE_PORTS = {22, 3306, 5432, 3389, 6379, 27017}
ANYWHERE = {"0.0.0.0/0", "::/0"}
INSTANCE = "openstack:compute/instance:Instance"


@dataclass(frozen=True)
class Bake:
    blueprint: Blueprint
    answers: dict[str, Any]
    project: Path


BAKES = [
    pytest.param((b, answers), id=f"{b.name}-{example}")
    for b in list_blueprints()
    for example, answers in {"defaults": {}, **b.examples}.items()
]


@pytest.fixture(params=BAKES)
def baked(request: pytest.FixtureRequest, bake: Callable[..., Path]) -> Bake:
    """One generated project per blueprint and answer set (baked once per session)."""
    blueprint, answers = request.param
    return Bake(blueprint, answers, bake(blueprint.name, **answers))


def test_generated_project_passes_its_own_tests(
    baked: Bake, installed: Callable[[str, Path], Path]
) -> None:
    project = installed(baked.blueprint.name, baked.project)
    result = make(project, "test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and " failed" not in result.stdout
    assert "error" not in result.stdout.splitlines()[-1], result.stdout


def test_generated_code_passes_its_own_lint(
    baked: Bake, installed: Callable[[str, Path], Path]
) -> None:
    result = make(installed(baked.blueprint.name, baked.project), "lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed!" in result.stdout
    assert "Success: no issues found" in result.stdout


ENCRYPTED = {"secure": "v1:Zm9vYmFyYmF6cXV4:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0"}
"""A ``secure:`` value as ``pulumi config set --secret`` writes it (offline: not decryptable)."""


@pytest.mark.parametrize("blueprint", list_blueprints(), ids=lambda b: b.name)
def test_generated_tests_run_with_a_second_stack_and_encrypted_values(
    blueprint: Blueprint,
    bake: Callable[..., Path],
    installed: Callable[[str, Path], Path],
    tmp_path: Path,
) -> None:
    """A second stack file and ``secure:`` values, as any team adds them, keep the
    project's own tests green; ``PULUMI_STACK`` picks the stack under test."""
    source = installed(blueprint.name, bake(blueprint.name))
    project = tmp_path / source.name
    shutil.copytree(source, project, symlinks=True, ignore=shutil.ignore_patterns("venv"))
    (project / "venv").symlink_to(source / "venv")  # the project's venv/, installed once
    answers = yaml.safe_load((project / ".osbp-answers.yml").read_text())["answers"]
    first = project / f"Pulumi.{answers['stack']}.yaml"
    doc = yaml.safe_load(first.read_text())
    doc["config"]["openstack:password"] = ENCRYPTED
    first.write_text(yaml.safe_dump(doc))
    # A blueprint whose stack kinds follow their names (``pattern``) gets its example name.
    second = next((s["name"] for s in blueprint.stacks if "pattern" in s), "prod")
    (project / f"Pulumi.{second}.yaml").write_text(yaml.safe_dump(doc))
    for stack in ("", second):
        result = make(project, "test", **({"PULUMI_STACK": stack} if stack else {}))
        assert result.returncode == 0, f"stack {stack or 'from answers'}: {result.stdout}"
        assert " passed" in result.stdout and "error" not in result.stdout.splitlines()[-1]
    missing = make(project, "test", PULUMI_STACK="staging")
    assert missing.returncode != 0, "PULUMI_STACK must choose the stack under test"
    assert "no stack file Pulumi.staging.yaml" in missing.stdout


def test_stack_file_holds_the_answers(baked: Bake) -> None:
    answers_file = yaml.safe_load((baked.project / ".osbp-answers.yml").read_text())
    assert answers_file["blueprint"] == baked.blueprint.name
    stack = answers_file["answers"]["stack"]
    config = yaml.safe_load((baked.project / f"Pulumi.{stack}.yaml").read_text())["config"]
    slug = answers_file["answers"]["project_slug"]
    by_name = {p.name: p for p in baked.blueprint.config_parameters}
    for key, value in baked.answers.items():
        if key in by_name:
            assert str(config[f"{slug}:{by_name[key].config_key}"]) == str(value)


def every_stack_kind(baked: Bake, tmp_path: Path, **options: Any) -> list[ProgramCapture]:
    """The generated stack, and one stack of each kind named by a ``pattern`` (one per git
    branch, say), started from the generated stack's config in a copy of the project (as
    ``pulumi stack init --copy-config-from`` does)."""
    captures = [capture_program(baked.project, **options)]
    examples = [s["name"] for s in baked.blueprint.stacks if "pattern" in s]
    if examples:
        copy = tmp_path / "kinds" / baked.project.name
        shutil.copytree(baked.project, copy, ignore=shutil.ignore_patterns("venv"))
        answers = yaml.safe_load((copy / ".osbp-answers.yml").read_text())["answers"]
        for name in examples:
            shutil.copyfile(copy / f"Pulumi.{answers['stack']}.yaml", copy / f"Pulumi.{name}.yaml")
            captures.append(capture_program(copy, name, **options))
    return captures


def test_node_configuration_passes_the_cloud_init_schema(baked: Bake, tmp_path: Path) -> None:
    assert shutil.which("cloud-init"), "cloud-init's validator is needed (make test installs it)"
    user_data = {
        f"{capture.stack}-{r.name}": r.inputs["userData"]
        for capture in every_stack_kind(baked, tmp_path, reveal_secrets=True)
        for r in capture.resources
        if r.type == INSTANCE and "userData" in r.inputs
    }
    assert user_data, "every blueprint configures its nodes"
    for name, text in user_data.items():
        assert "Calling __str__ on an Output" not in text
        config = tmp_path / f"{name}.yaml"
        config.write_text(text)
        result = subprocess.run(
            ["cloud-init", "schema", "--config-file", str(config)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
        assert "Valid cloud-config" in result.stdout


def test_exports_are_the_documented_outputs(
    baked: Bake, preview_json: Callable[[Path], dict[str, Any]], tmp_path: Path
) -> None:
    document = preview_json(baked.project)
    exported = set(document["outputs"])
    for capture in every_stack_kind(baked, tmp_path, preview=True)[1:]:
        exported |= set(capture.outputs)
    assert sorted(exported) == sorted(baked.blueprint.outputs)


def test_preview_never_opens_sensitive_ports_to_the_world(
    baked: Bake, preview_json: Callable[[Path], dict[str, Any]]
) -> None:
    for resource in preview_json(baked.project)["resources"]:
        if resource["type"] != "openstack:networking/secGroupRule:SecGroupRule":
            continue
        inputs = resource["inputs"]
        low, high = inputs.get("portRangeMin", 1), inputs.get("portRangeMax", 65535)
        opened = {port for port in SENSITIVE_PORTS if low <= port <= high}
        assert not (opened and inputs.get("remoteIpPrefix", "0.0.0.0/0") in ANYWHERE), resource


def test_no_generated_secret_is_shown_or_written_in_clear(
    baked: Bake, preview_json: Callable[[Path], dict[str, Any]]
) -> None:
    text = json.dumps(preview_json(baked.project))
    assert "Calling __str__ on an Output" not in text
    capture = capture_program(baked.project, reveal_secrets=True)
    secrets = [
        r.outputs["result"]
        for r in capture.resources
        if r.type.startswith("random:") and "result" in r.outputs
    ]
    assert all(secret and secret not in text for secret in secrets)
    files = [
        p
        for p in baked.project.rglob("*")
        if p.is_file() and "venv" not in p.relative_to(baked.project).parts
    ]
    assert all(secret not in p.read_text(errors="ignore") for p in files for secret in secrets)
