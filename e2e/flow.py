"""The acceptance flow of one blueprint, like Pulumi's ProgramTest.

generate -> venv -> stack init -> preview -> up -> verify in the cloud ->
preview --expect-no-changes -> destroy -> verify nothing is left -> stack rm.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from e2e import cloud
from e2e.critical_path import creation_durations, critical_path
from e2e.pulumi_cli import PulumiStack, StepFailed, tools_env
from generator.catalog import Blueprint
from generator.project import new_project

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    blueprint: str
    ok: bool = False
    resources: int = 0
    checks: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    critical_path_seconds: float = 0.0
    critical_path: list[str] = field(default_factory=list)
    error: str = ""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def acceptance_module(blueprint: Blueprint) -> ModuleType:
    """``blueprints/<name>/acceptance.py``: answers for a local cloud and the checks."""
    path = blueprint.path / "acceptance.py"
    if not path.is_file():
        raise StepFailed(f"{blueprint.name} has no acceptance.py: it cannot be verified")
    spec = importlib.util.spec_from_file_location(
        f"acceptance_{blueprint.name.replace('-', '_')}", path
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_pins() -> list[str]:
    """The Python SDKs matching the engine's plugins (``e2e/tools/versions.env``)."""
    values = {}
    for line in (REPO / "e2e/tools/versions.env").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[key.strip()] = value.strip().strip("\"'")
    return [values[key] for key in sorted(values) if key.startswith("PY_") and key.endswith("_PIN")]


def make_venv(project: Path) -> None:
    """The project's ``venv/`` (Pulumi.yaml names it), before pulumi runs."""
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin/python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(project / "requirements.txt"),
            *python_pins(),
        ],
        check=True,
    )


def run_blueprint(blueprint: Blueprint, work: Path) -> Outcome:
    outcome = Outcome(blueprint.name)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    acceptance = acceptance_module(blueprint)
    conn = cloud.connect()
    stack: PulumiStack | None = None
    try:
        say(f"{blueprint.name}: generating with {acceptance.ANSWERS}")
        project = new_project(blueprint.name, work / blueprint.name, dict(acceptance.ANSWERS))
        say(f"{blueprint.name}: venv")
        make_venv(project)
        stack_name = str(acceptance.ANSWERS.get("stack", "dev"))
        env = tools_env(project, work / "backend")
        (work / "backend").mkdir(exist_ok=True)
        stack = PulumiStack(project, stack_name, env)
        stack.init()
        say(f"{blueprint.name}: pulumi preview")
        stack.preview()
        say(f"{blueprint.name}: pulumi up")
        event_log = work / f"{blueprint.name}-events.jsonl"
        stack.up(event_log)
        deployed = cloud.DeployedStack(stack.export(), stack.outputs())
        outcome.resources = len(deployed.resources)
        say(f"{blueprint.name}: up in {stack.timings['up']} s, {outcome.resources} resources")
        outcome.critical_path_seconds, outcome.critical_path = critical_path(
            deployed.state, creation_durations(event_log)
        )
        outcome.checks = acceptance.verify(conn, deployed, acceptance.ANSWERS)
        for check in outcome.checks:
            say(f"{blueprint.name}: ok  {check}")
        say(f"{blueprint.name}: pulumi preview --expect-no-changes")
        stack.preview(expect_no_changes=True)
        say(f"{blueprint.name}: pulumi destroy")
        stack.destroy()
        left = cloud.leftovers(conn, deployed)
        if left:
            raise AssertionError("left in the cloud after destroy: " + "; ".join(left))
        stack.remove()
        outcome.ok = True
    except (StepFailed, AssertionError, subprocess.CalledProcessError) as error:
        outcome.error = f"{type(error).__name__}: {error}"
        say(f"{blueprint.name}: FAILED {outcome.error}")
        say("service logs:\n" + cloud.service_log_excerpt(since=started))
        if stack is not None:
            _cleanup(stack)
    finally:
        if stack is not None:
            outcome.timings = dict(stack.timings)
    return outcome


def _cleanup(stack: PulumiStack) -> None:
    """Leave the cloud as found even after a failure."""
    try:
        stack.run("cleanup-destroy", "destroy", "--yes", "--skip-preview", check=False)
    except OSError as error:  # pragma: no cover - the CLI itself is gone
        say(f"cleanup failed: {error}")


def as_record(outcome: Outcome) -> dict[str, Any]:
    up = outcome.timings.get("up", 0.0)
    ratio = round(up / outcome.critical_path_seconds, 2) if outcome.critical_path_seconds else None
    return {
        "blueprint": outcome.blueprint,
        "ok": outcome.ok,
        "resources": outcome.resources,
        "timings_s": outcome.timings,
        "critical_path_s": outcome.critical_path_seconds,
        "up_over_critical_path": ratio,
        "critical_path": [
            urn.split("::")[-2].split("$")[-1] + " " + urn.split("::")[-1]
            for urn in outcome.critical_path
        ],
        "checks": outcome.checks,
        "error": outcome.error,
    }
