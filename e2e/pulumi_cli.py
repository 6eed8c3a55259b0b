"""The Pulumi CLI, driven the way a team runs it, with timings and engine events kept."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class StepFailed(Exception):
    """A Pulumi command failed; the message carries the command and its output tail."""


@dataclass
class PulumiStack:
    project_dir: Path
    stack: str
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, step: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = ["pulumi", *args, "--non-interactive", "--stack", self.stack]
        start = time.perf_counter()
        result = subprocess.run(
            command, cwd=self.project_dir, env=self.env, capture_output=True, text=True
        )
        self.timings[step] = round(time.perf_counter() - start, 2)
        if check and result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
            raise StepFailed(f"`{' '.join(command)}` failed ({result.returncode}):\n{tail}")
        return result

    def init(self) -> None:
        result = subprocess.run(
            ["pulumi", "stack", "init", self.stack, "--non-interactive"],
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StepFailed(f"pulumi stack init {self.stack}: {result.stderr.strip()}")

    def preview(self, expect_no_changes: bool = False) -> None:
        extra = ["--expect-no-changes"] if expect_no_changes else []
        self.run("preview-again" if expect_no_changes else "preview", "preview", *extra)

    def up(self, event_log: Path) -> None:
        """``pulumi up``; its engine events (JSON, one per line) are kept in ``event_log``."""
        result = self.run("up", "up", "--yes", "--skip-preview", "--json")
        event_log.write_text(result.stdout, encoding="utf-8")

    def export(self) -> dict[str, Any]:
        result = self.run("export", "stack", "export")
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    def outputs(self) -> dict[str, Any]:
        result = self.run("outputs", "stack", "output", "--json")
        values: dict[str, Any] = json.loads(result.stdout)
        return values

    def destroy(self) -> None:
        self.run("destroy", "destroy", "--yes", "--skip-preview")

    def remove(self) -> None:
        self.run("stack-rm", "stack", "rm", "--yes")


def tools_env(project_dir: Path, backend_dir: Path) -> dict[str, str]:
    """The caller's environment plus a file backend of its own for this run."""
    env = dict(os.environ)
    env["PULUMI_BACKEND_URL"] = backend_dir.as_uri()
    env.setdefault("PULUMI_CONFIG_PASSPHRASE", "osbp-acceptance")
    env["VIRTUAL_ENV"] = str(project_dir / "venv")
    return env
