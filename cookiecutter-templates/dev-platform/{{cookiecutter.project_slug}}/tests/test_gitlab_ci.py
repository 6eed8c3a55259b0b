"""The generated .gitlab-ci.yml: which job runs on which event, and what it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture(scope="module")
def ci(project_dir: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((project_dir / ".gitlab-ci.yml").read_text())
    return document


def script(ci: dict[str, Any], job: str) -> list[str]:
    steps: list[str] = [*ci[".branch-stack"]["before_script"], *ci[job]["script"]]
    return steps


def test_a_push_brings_the_branch_environment_up(ci: dict[str, Any]) -> None:
    up = ci["up"]
    assert up["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "push"'}]
    assert ci["variables"]["STACK"] == "$CI_COMMIT_REF_SLUG"
    steps = script(ci, "up")
    assert 'pulumi stack select "$STACK" 2>/dev/null || pulumi stack init "$STACK"' in steps
    assert 'pulumi config cp --stack team --dest "$STACK"' in steps
    assert 'pulumi up --yes --stack "$STACK"' in steps
    assert up["environment"] == {
        "name": "$CI_COMMIT_REF_SLUG",
        "url": "$ENVIRONMENT_URL",
        "on_stop": "stop_env",
        "auto_stop_in": "2 weeks",
    }
    assert up["artifacts"]["reports"]["dotenv"] == "environment.env"


def test_a_merge_request_previews_with_the_diff(ci: dict[str, Any]) -> None:
    assert ci["preview"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert script(ci, "preview")[-1] == 'pulumi preview --diff --stack "$STACK"'


def test_stopping_the_environment_destroys_and_removes_the_stack(ci: dict[str, Any]) -> None:
    stop = ci["stop_env"]
    assert stop["environment"] == {"name": "$CI_COMMIT_REF_SLUG", "action": "stop"}
    assert stop["rules"][0]["when"] == "manual"
    assert script(ci, "stop_env")[-2:] == [
        'pulumi destroy --yes --stack "$STACK"',
        'pulumi stack rm --yes --stack "$STACK"',
    ]


def test_the_team_stack_never_runs_from_ci(ci: dict[str, Any]) -> None:
    text = yaml.safe_dump(ci)
    assert "--stack team" in text and "--stack team --dest" in text
    assert "pulumi up --yes --stack team" not in text and "destroy --yes --stack team" not in text
    for job in ("up", "preview", "stop_env"):
        assert "pulumi.com" not in " ".join(script(ci, job))
