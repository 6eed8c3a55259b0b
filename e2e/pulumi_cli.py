"""The Pulumi CLI, driven the way a team runs it, with timings and engine events kept."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e.events import Stamped


class StepFailed(Exception):
    """A Pulumi command failed; the message carries the command and its output tail."""


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass
class PulumiStack:
    project_dir: Path
    stack: str
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    def _command(self, args: tuple[str, ...]) -> list[str]:
        return ["pulumi", *args, "--non-interactive", "--stack", self.stack]

    def run(self, step: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = self._command(args)
        start = time.perf_counter()
        result = subprocess.run(
            command, cwd=self.project_dir, env=self.env, capture_output=True, text=True
        )
        self.timings[step] = round(time.perf_counter() - start, 2)
        if check and result.returncode != 0:
            raise StepFailed(
                f"`{' '.join(command)}` failed ({result.returncode}):\n"
                + _tail(result.stdout + result.stderr)
            )
        return result

    def run_events(self, step: str, *args: str, log: Path) -> list[Stamped]:
        """Run with ``--json``; return the engine events, each stamped on arrival.

        The raw lines are kept in ``log``; a failure raises with the diagnostics the
        events carry (``--json`` sends the error text there, not to stderr).
        """
        command = self._command((*args, "--json"))
        start = time.perf_counter()
        events: list[Stamped] = []
        with (
            log.open("w", encoding="utf-8") as raw,
            tempfile.TemporaryFile("w+", encoding="utf-8") as errors,
            subprocess.Popen(
                command,
                cwd=self.project_dir,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            ) as process,
        ):
            assert process.stdout is not None
            for line in process.stdout:
                raw.write(line)
                if line.strip().startswith("{"):
                    with contextlib.suppress(json.JSONDecodeError):
                        events.append((time.perf_counter() - start, json.loads(line)))
            returncode = process.wait()
            errors.seek(0)
            stderr = errors.read()
        self.timings[step] = round(time.perf_counter() - start, 2)
        if returncode != 0:
            messages = [
                event["diagnosticEvent"]["message"]
                for _, event in events
                if "diagnosticEvent" in event
                and event["diagnosticEvent"].get("severity") in ("error", "info#err")
            ]
            raise StepFailed(
                f"`{' '.join(command)}` failed ({returncode}):\n"
                + _tail("".join(messages) + stderr)
            )
        return events

    def init(self, copy_config_from: str | None = None) -> None:
        extra = ["--copy-config-from", copy_config_from] if copy_config_from else []
        result = subprocess.run(
            ["pulumi", "stack", "init", self.stack, *extra, "--non-interactive"],
            cwd=self.project_dir,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise StepFailed(f"pulumi stack init {self.stack}: {result.stderr.strip()}")

    def config_set(self, values: dict[str, str]) -> None:
        """``pulumi config set KEY VALUE`` for each entry, as a user changes an answer
        (``--path`` for a field of an object: ``quotas.ports``)."""
        for key, value in values.items():
            path = ["--path"] if "." in key else []
            self.run("config-set", "config", "set", *path, key, value)

    def preview(self, expect_no_changes: bool = False) -> None:
        extra = ["--expect-no-changes"] if expect_no_changes else []
        self.run("preview-again" if expect_no_changes else "preview", "preview", *extra)

    def refresh_expect_no_changes(self) -> None:
        """The cloud still holds what the state says (nothing drifted, nothing is unstable)."""
        self.run("refresh", "refresh", "--yes", "--skip-preview", "--expect-no-changes")

    def up(self, step: str, log: Path) -> list[Stamped]:
        return self.run_events(step, "up", "--yes", "--skip-preview", log=log)

    def export(self) -> dict[str, Any]:
        result = self.run("export", "stack", "export")
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    def outputs(self) -> dict[str, Any]:
        result = self.run("outputs", "stack", "output", "--json")
        values: dict[str, Any] = json.loads(result.stdout)
        return values

    def destroy_refused(self) -> str:
        """``pulumi destroy`` (with its preview, as a user runs it) must fail: return why."""
        result = self.run("destroy-refused", "destroy", "--yes", check=False)
        output = result.stdout + result.stderr
        if result.returncode == 0:
            raise StepFailed(
                f"`pulumi destroy` of stack {self.stack} was not refused:\n" + _tail(output)
            )
        return output

    def unprotect_all(self) -> None:
        self.run("state-unprotect", "state", "unprotect", "--all", "--yes")

    def destroy(self, log: Path) -> list[Stamped]:
        return self.run_events("destroy", "destroy", "--yes", "--skip-preview", log=log)

    def remove(self) -> None:
        self.run("stack-rm", "stack", "rm", "--yes")


def tools_env(project_dir: Path, backend_dir: Path, cloud: str) -> dict[str, str]:
    """The caller's environment plus a file backend of its own and the stack's cloud."""
    env = dict(os.environ)
    env["PULUMI_BACKEND_URL"] = backend_dir.as_uri()
    env.setdefault("PULUMI_CONFIG_PASSPHRASE", "osbp-acceptance")
    env["VIRTUAL_ENV"] = str(project_dir / "venv")
    env["OS_CLOUD"] = cloud
    return env
