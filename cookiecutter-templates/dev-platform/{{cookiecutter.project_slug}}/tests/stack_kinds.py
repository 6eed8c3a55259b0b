"""Fixtures running this project's program as each kind of stack, with the config under test.

The program's kind is chosen by the stack's name (``team``, or a branch); the config
is the stack under test's (``PULUMI_STACK``...), copied under the name of each kind
of stack, as ``pulumi stack init --copy-config-from`` does for a branch in CI. The
runs happen in a copy of the project, so it never gets a stack file it did not ship.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from components.offline import OfflineRun, run_offline

TEAM = "team"
AsStack = Callable[..., OfflineRun]


@pytest.fixture(scope="session")
def as_stack(project_dir: Path, stack: str, tmp_path_factory: pytest.TempPathFactory) -> AsStack:
    """``as_stack(name, preview=False, **config)``: the program run offline as stack ``name``."""
    copy = tmp_path_factory.mktemp("project") / project_dir.name
    shutil.copytree(
        project_dir,
        copy,
        ignore=shutil.ignore_patterns("venv", ".mypy_cache", ".pytest_cache", "__pycache__"),
    )
    source = project_dir / f"Pulumi.{stack}.yaml"
    if not source.is_file():
        raise FileNotFoundError(f"no stack file {source.name} in {project_dir}")
    for stale in copy.glob("Pulumi.*.yaml"):
        stale.unlink()
    shutil.copyfile(source, copy / f"Pulumi.{TEAM}.yaml")  # what a branch stack reads

    def run(name: str, preview: bool = False, **config: str) -> OfflineRun:
        own = copy / f"Pulumi.{name}.yaml"
        if name != TEAM:
            shutil.copyfile(source, own)
        try:
            return run_offline(copy, name, preview=preview, config=config)
        finally:
            if name != TEAM:
                own.unlink()

    return run


@pytest.fixture(scope="session")
def team_run(as_stack: AsStack) -> OfflineRun:
    """The team stack, as `pulumi up` would create it."""
    return as_stack(TEAM)
