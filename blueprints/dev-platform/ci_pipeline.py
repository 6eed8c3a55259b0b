"""The generated ``.gitlab-ci.yml`` run for real: gitlab-ci-local's shell executor, the sandbox.

The acceptance flow calls ``run_branch_pipelines`` once the team stack is up. In a git
repository of the generated project, each job runs as the developer's CI would: their own
application credential and passphrase as CI variables, nothing of the operator's in the
job's environment. Push of alice/feature-a, push of alice/feature-b (two environments of one
developer side by side), push of bob/fix-1 (a second developer), a merge-request preview of
alice/feature-b, the stop of alice/feature-a (its stack and VM gone, the others untouched),
then the stops of the others. Each push is timed until its environment's VM is ACTIVE.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PUSHES = (("alice/feature-a", "alice"), ("alice/feature-b", "alice"), ("bob/fix-1", "bob"))
GIT = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.org"]


def slug(branch: str) -> str:
    """GitLab's CI_COMMIT_REF_SLUG of these simple branch names."""
    return branch.replace("/", "-")


@dataclass
class Pipelines:
    """A git repository of the project and the CI/CD variables of each developer."""

    repo: Path
    variables: dict[str, dict[str, str]]
    """By developer: what their project's Settings > CI/CD > Variables hold."""
    timings: dict[str, float] = field(default_factory=dict)

    def git(self, *args: str) -> None:
        subprocess.run([*GIT, *args], cwd=self.repo, check=True, capture_output=True)

    def job(self, name: str, developer: str, **extra: str) -> str:
        """Run one job of the current branch's pipeline; its log, or the failure's tail."""
        flags = [
            flag
            for key, value in {**self.variables[developer], **extra}.items()
            for flag in ("--variable", f"{key}={value}")
        ]
        start = time.perf_counter()
        result = subprocess.run(
            ["gitlab-ci-local", "--shell-executor-no-image", "--no-color", *flags, name],
            cwd=self.repo,
            env=_runner_env(),
            capture_output=True,
            text=True,
            timeout=900,
        )
        self.timings[f"{name} {developer}"] = round(time.perf_counter() - start, 1)
        log = result.stdout + result.stderr
        if result.returncode != 0:
            raise AssertionError(f"CI job {name} as {developer} failed:\n{log[-3000:]}")
        return log


def _runner_env() -> dict[str, str]:
    """The runner's own environment: tools and Pulumi's home, no cloud and no passphrase."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OS_") and key not in ("PULUMI_CONFIG_PASSPHRASE", "VIRTUAL_ENV")
    }


def make_repository(project: Path, repo: Path) -> None:
    """The team's repository: the generated project on ``main``, its team stack file in it."""
    shutil.copytree(
        project, repo, ignore=shutil.ignore_patterns("venv", "__pycache__", ".pytest_cache")
    )
    for command in (
        ["init", "-q", "-b", "main"],
        ["remote", "add", "origin", "https://gitlab.example/team/dev-platform.git"],
        ["add", "-A"],
        ["commit", "-qm", "The team's dev-platform project"],
    ):
        subprocess.run([*GIT, *command], cwd=repo, check=True, capture_output=True)


def application_credential_cloud(operator: dict[str, Any], credential: Any) -> dict[str, Any]:
    """A clouds.yaml entry for ``credential`` on the operator entry's Keystone and region."""
    return {
        "auth_type": "v3applicationcredential",
        "auth": {
            "auth_url": operator["auth"]["auth_url"],
            "application_credential_id": credential.id,
            "application_credential_secret": credential.secret,
        },
        "region_name": operator.get("region_name", "RegionOne"),
        "identity_api_version": 3,
    }


def ci_clouds(clouds: dict[str, Any], credentials: dict[str, Any], path: Path) -> None:
    """The File variable ``OS_CLIENT_CONFIG_FILE``: each developer's application credential."""
    operator = clouds["clouds"]["osbp-sandbox"]
    entries = {
        f"ci-{name}": application_credential_cloud(operator, credential)
        for name, credential in credentials.items()
    }
    path.write_text(yaml.safe_dump({"clouds": entries}))
    path.chmod(0o600)


def run_branch_pipelines(
    pipelines: Pipelines, connect: Callable[[str], Any], stack_names: Callable[[], set[str]]
) -> list[str]:
    """The scenario; ``connect(developer)`` is their session, ``stack_names()`` the backend's."""
    checks = []
    servers: dict[str, str] = {}
    for branch, developer in PUSHES:
        pipelines.git("checkout", "-qb", branch, "main")
        start = time.perf_counter()
        pipelines.job("up", developer)
        servers[slug(branch)] = _active_server(connect(developer), slug(branch))
        pipelines.timings[f"push {branch} -> VM ACTIVE"] = round(time.perf_counter() - start, 1)
    both = {s.id for s in connect("alice").compute.servers()}
    assert {servers["alice-feature-a"], servers["alice-feature-b"]} <= both, both
    checks.append(
        "pushes of alice/feature-a, alice/feature-b and bob/fix-1 ran the `up` job: three "
        "environments ACTIVE, alice's two side by side ("
        + ", ".join(f"{b}: {pipelines.timings[f'push {b} -> VM ACTIVE']} s" for b, _ in PUSHES)
        + " from push to VM ACTIVE)"
    )
    pipelines.git("checkout", "-q", "alice/feature-b")
    log = pipelines.job("preview", "alice", CI_PIPELINE_SOURCE="merge_request_event")
    assert "Previewing update (alice-feature-b)" in log, log[-2000:]
    assert "Resources:" in log and "unchanged" in log, log[-2000:]
    checks.append("merge request of alice/feature-b ran `preview` (pulumi preview --diff)")
    pipelines.git("checkout", "-q", "alice/feature-a")
    pipelines.job("stop_env", "alice")
    left = stack_names()
    assert "alice-feature-a" not in left, left
    assert {"alice-feature-b", "bob-fix-1"} <= left, left
    alive = {s.id: s.status for s in connect("alice").compute.servers()}
    assert servers["alice-feature-a"] not in alive, alive
    assert alive.get(servers["alice-feature-b"]) == "ACTIVE", alive
    checks.append(
        "stop of alice/feature-a: its stack removed and its VM deleted; alice/feature-b's "
        "and bob/fix-1's untouched"
    )
    for branch, developer in PUSHES[1:]:
        pipelines.git("checkout", "-q", branch)
        pipelines.job("stop_env", developer)
    assert not {"alice-feature-b", "bob-fix-1"} & stack_names(), stack_names()
    return checks


def _active_server(conn: Any, stack: str) -> str:
    """The environment VM the branch's stack made, in the developer's project: ACTIVE."""
    found = [s for s in conn.compute.servers() if stack in s.name]
    assert len(found) == 1, f"servers of {stack}: {[s.name for s in found]}"
    assert found[0].status == "ACTIVE", f"{found[0].name} is {found[0].status}"
    return str(found[0].id)


def stack_names(list_output: str) -> set[str]:
    """Names in ``pulumi stack ls --all --json``."""
    return {entry["name"].split("/")[-1] for entry in json.loads(list_output)}
