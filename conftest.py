"""Fixtures shared by the tests of the generator and of every blueprint."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent
TEMPLATES = REPO / "cookiecutter-templates"
VENV_BIN = Path(sys.executable).parent


def cookiecutter_bake(output: Path, blueprint: str, answers: Mapping[str, Any]) -> Path:
    """Bake with plain cookiecutter in a subprocess, the way an architect would."""
    extra = [f"{key}={value}" for key, value in answers.items()]
    subprocess.run(
        [
            str(VENV_BIN / "cookiecutter"),
            "--no-input",
            "-o",
            str(output),
            str(TEMPLATES / blueprint),
            *extra,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (project,) = [p for p in output.iterdir() if p.is_dir()]
    return project


@pytest.fixture(scope="session")
def bake(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``bake(blueprint, **answers)``: a generated project, baked once per answer set."""
    cache: dict[str, Path] = {}

    def make(blueprint: str, **answers: Any) -> Path:
        key = json.dumps([blueprint, answers], sort_keys=True)
        if key not in cache:
            output = tmp_path_factory.mktemp(blueprint)
            cache[key] = cookiecutter_bake(output, blueprint, answers)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def preview_json() -> Callable[[Path], dict[str, Any]]:
    """``osbp preview --json`` of a project, parsed (run as the CLI, in a subprocess)."""

    def run(project: Path) -> dict[str, Any]:
        result = subprocess.run(
            [str(VENV_BIN / "osbp"), "preview", "--json", str(project)],
            check=True,
            capture_output=True,
            text=True,
        )
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    return run
