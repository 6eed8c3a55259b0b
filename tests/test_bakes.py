"""Every blueprint, baked with plain cookiecutter for its defaults and its examples.

A baked project is product code: its own tests pass, ruff and mypy are clean,
its node configuration passes cloud-init's schema validator, and its graph
honours the security defaults.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.catalog import get_blueprint, list_blueprints
from generator.preview import capture_program

BAKES = [
    pytest.param(b.name, answers, id=f"{b.name}-{example}")
    for b in list_blueprints()
    for example, answers in {"defaults": {}, **b.examples}.items()
]
SENSITIVE_PORTS = {22, 3306, 5432, 3389, 6379, 27017}
ANYWHERE = {"0.0.0.0/0", "::/0"}
INSTANCE = "openstack:compute/instance:Instance"


def run_tool(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=project, capture_output=True, text=True
    )


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_generated_project_passes_its_own_tests(
    bake: Callable[..., Path], blueprint: str, answers: dict[str, Any]
) -> None:
    project = bake(blueprint, **answers)
    result = run_tool(project, "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and " failed" not in result.stdout


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_generated_code_passes_ruff_and_mypy(
    bake: Callable[..., Path],
    blueprint: str,
    answers: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    project = bake(blueprint, **answers)
    ruff = run_tool(project, "ruff", "check", "--no-cache", ".")
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    mypy = run_tool(project, "mypy", "--cache-dir", str(cache), ".")
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_stack_file_holds_the_answers(
    bake: Callable[..., Path], blueprint: str, answers: dict[str, Any]
) -> None:
    project = bake(blueprint, **answers)
    answers_file = yaml.safe_load((project / ".osbp-answers.yml").read_text())
    assert answers_file["blueprint"] == blueprint
    stack = answers_file["answers"]["stack"]
    config = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]
    slug = answers_file["answers"]["project_slug"]
    for key, value in answers.items():
        camel = key.split("_")[0] + "".join(w.capitalize() for w in key.split("_")[1:])
        if f"{slug}:{camel}" in config:
            assert str(config[f"{slug}:{camel}"]) == str(value)


def rendered_user_data(project: Path) -> dict[str, str]:
    capture = capture_program(project, reveal_secrets=True)
    return {
        r.name: r.inputs["userData"]
        for r in capture.resources
        if r.type == INSTANCE and "userData" in r.inputs
    }


def generated_secrets(project: Path) -> list[str]:
    capture = capture_program(project, reveal_secrets=True)
    return [
        r.outputs["result"]
        for r in capture.resources
        if r.type.startswith("random:") and "result" in r.outputs
    ]


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_node_configuration_passes_the_cloud_init_schema(
    bake: Callable[..., Path], blueprint: str, answers: dict[str, Any], tmp_path: Path
) -> None:
    assert shutil.which("cloud-init"), "cloud-init's validator is needed (make test installs it)"
    user_data = rendered_user_data(bake(blueprint, **answers))
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


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_exports_are_the_documented_outputs(
    bake: Callable[..., Path],
    preview_json: Callable[[Path], dict[str, Any]],
    blueprint: str,
    answers: dict[str, Any],
) -> None:
    document = preview_json(bake(blueprint, **answers))
    assert sorted(document["outputs"]) == sorted(get_blueprint(blueprint).outputs)


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_preview_never_opens_sensitive_ports_to_the_world(
    bake: Callable[..., Path],
    preview_json: Callable[[Path], dict[str, Any]],
    blueprint: str,
    answers: dict[str, Any],
) -> None:
    document = preview_json(bake(blueprint, **answers))
    for resource in document["resources"]:
        if resource["type"] != "openstack:networking/secGroupRule:SecGroupRule":
            continue
        inputs = resource["inputs"]
        low, high = inputs.get("portRangeMin", 1), inputs.get("portRangeMax", 65535)
        opened = {port for port in SENSITIVE_PORTS if low <= port <= high}
        assert not (opened and inputs.get("remoteIpPrefix", "0.0.0.0/0") in ANYWHERE), resource


@pytest.mark.parametrize(("blueprint", "answers"), BAKES)
def test_preview_shows_no_secret_in_clear(
    bake: Callable[..., Path],
    preview_json: Callable[[Path], dict[str, Any]],
    blueprint: str,
    answers: dict[str, Any],
) -> None:
    project = bake(blueprint, **answers)
    text = json.dumps(preview_json(project))
    assert "Calling __str__ on an Output" not in text
    secrets = generated_secrets(project)
    assert all(secret and secret not in text for secret in secrets)
    files = [p for p in project.rglob("*") if p.is_file()]
    assert all(secret not in p.read_text(errors="ignore") for p in files for secret in secrets)
