"""Fixtures shared by the tests of the generator and of every blueprint."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent
TEMPLATES = REPO / "cookiecutter-templates"
VENV_BIN = Path(sys.executable).parent
SHARED_COMPONENTS = REPO / "blueprints" / "_shared" / "project" / "components"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")


def cookiecutter_bake(output: Path, blueprint: str, answers: Mapping[str, Any]) -> Path:
    """Bake with plain cookiecutter in a subprocess, the way an architect would."""
    extra = [  # lists and objects are JSON text for cookiecutter
        f"{key}={json.dumps(value) if isinstance(value, list | dict) else value}"
        for key, value in answers.items()
    ]
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


def project_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would have: none of this test run's venv or stack."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PULUMI_STACK")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != VENV_BIN
    )
    return {**env, **extra}


MYPY_CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / f"osbp-bake-mypy-{os.getuid()}"
"""One mypy cache for every baked project (they share most modules; only its place moves)."""


def make(project: Path, target: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``make TARGET`` in a generated project, as its README says to run it."""
    return subprocess.run(
        ["make", target],
        cwd=project,
        capture_output=True,
        text=True,
        env=project_env(MYPY_CACHE_DIR=str(MYPY_CACHE), **env),
    )


@pytest.fixture(scope="session")
def installed() -> Callable[[str, Path], Path]:
    """``installed(blueprint, project)``: the project after its own ``make install``.

    The first project of a blueprint runs the real ``make install`` (a fresh
    ``venv/`` from its requirements, pip's cache keeps it quick). The blueprint's
    other answer sets get a copy of that ``venv/`` when their requirement files
    are identical (copied files are newer than the requirements, as after an
    install), then run ``make install`` themselves, which finds it up to date:
    the README's steps are what runs, with one full install per blueprint.
    """
    first: dict[str, Path] = {}
    done: set[Path] = set()

    def install(blueprint: str, project: Path) -> Path:
        if project in done:
            return project
        source = first.get(blueprint)
        if source is not None and all(
            filecmp.cmp(source / name, project / name, shallow=False) for name in REQUIREMENTS
        ):
            shutil.copytree(
                source / "venv", project / "venv", symlinks=True, copy_function=shutil.copy
            )
        result = make(project, "install")
        assert result.returncode == 0, result.stdout + result.stderr
        first.setdefault(blueprint, project)
        done.add(project)
        return project

    return install


def write_offline_project(
    root: Path,
    main: str,
    *,
    config: Mapping[str, Any] | None = None,
    project_config: Mapping[str, Any] | None = None,
    stack: str = "test",
    name: str = "fixture",
) -> Path:
    """A minimal Pulumi project around ``main`` with the shared ``components/`` vendored,
    as a generated project has it (for programs no blueprint has yet)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        SHARED_COMPONENTS, root / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "__main__.py").write_text(main, encoding="utf-8")
    project_doc = {"name": name, "runtime": "python", "config": dict(project_config or {})}
    (root / "Pulumi.yaml").write_text(json.dumps(project_doc), encoding="utf-8")
    stack_doc = {
        "config": {f"{name}:{k}" if ":" not in k else k: v for k, v in (config or {}).items()}
    }
    (root / f"Pulumi.{stack}.yaml").write_text(json.dumps(stack_doc), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def offline_project() -> Callable[..., Path]:
    """``offline_project(root, main, ...)``: see ``write_offline_project``."""
    return write_offline_project
