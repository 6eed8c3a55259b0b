"""Shared fixtures: the program run offline, as `pulumi up` and as `pulumi preview`.

The stack under test is ``PULUMI_STACK``, else the one named in
``.osbp-answers.yml``, else the only ``Pulumi.<stack>.yaml``
(``components.offline.choose_stack``).
"""

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
def stack() -> str:
    """The stack under test."""
    return read_stack_config(PROJECT_DIR).stack


@pytest.fixture(scope="session")
def config(stack: str) -> dict[str, str]:
    """This stack's configuration by key (``frontendCidr``), defaults applied; secret
    values read as their offline mock value."""
    stack_config = read_stack_config(PROJECT_DIR, stack)
    own = f"{stack_config.project}:"
    return {
        key[len(own) :]: value for key, value in stack_config.values.items() if key.startswith(own)
    }


@pytest.fixture(scope="session")
def deployed(stack: str) -> OfflineRun:
    """What `pulumi up` would create, with cloud-computed values (ids, IPs) simulated."""
    return run_offline(PROJECT_DIR, stack)


@pytest.fixture(scope="session")
def previewed(stack: str) -> OfflineRun:
    """What `pulumi preview` would show: cloud-computed values unknown."""
    return run_offline(PROJECT_DIR, stack, preview=True)
