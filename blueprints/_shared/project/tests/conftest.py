"""Shared fixtures: the program run offline, as `pulumi up` and as `pulumi preview`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from components.offline import OfflineRun, read_stack_config, run_offline  # noqa: E402


@pytest.fixture(scope="session")
def project_dir() -> Path:
    return PROJECT_DIR


@pytest.fixture(scope="session")
def config() -> dict[str, str]:
    """This stack's configuration by key (``frontendCidr``), defaults applied."""
    stack = read_stack_config(PROJECT_DIR)
    return {key.split(":", 1)[1]: value for key, value in stack.values.items()}


@pytest.fixture(scope="session")
def deployed() -> OfflineRun:
    """What `pulumi up` would create, with cloud-computed values (ids, IPs) simulated."""
    return run_offline(PROJECT_DIR)


@pytest.fixture(scope="session")
def previewed() -> OfflineRun:
    """What `pulumi preview` would show: cloud-computed values unknown."""
    return run_offline(PROJECT_DIR, preview=True)
