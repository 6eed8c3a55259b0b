"""Check framework: a check is a named function of the running cluster that raises CheckFailed."""

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .progress import say
from .spec import Deployment
from .ssh import Ssh
from .vm import VM


class CheckFailed(Exception):
    """Raised by a check with a one-line reason."""


@dataclass
class Cluster:
    """What checks see: the deployment as generated, the running VMs and a way into each."""

    deployment: Deployment
    vms: dict[str, VM]
    ssh: dict[str, Ssh]
    logdir: Path
    memo: dict[str, Any] = field(default_factory=dict)  # facts shared between checks
    # replace(role, user_data): stop the role's server and boot a new one (fresh root disk,
    # new instance id, the same data volumes and addresses) with this user data, as a
    # `pulumi up` that changes a node's configuration does; waits for its cloud-init
    replacer: Callable[[str, str], None] | None = None

    def replace(self, role: str, user_data: str) -> None:
        if self.replacer is None:
            raise CheckFailed("this run cannot replace nodes")
        self.replacer(role, user_data)

    def sh(self, role: str, script: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return self.ssh[role].run(script, timeout=timeout)

    def sh_ok(self, role: str, script: str, timeout: float = 180) -> str:
        """Run ``script`` as root on ``role``; its stdout, or CheckFailed on a non-zero exit."""
        proc = self.sh(role, script, timeout)
        if proc.returncode != 0:
            err = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise CheckFailed(f"on {role}: exit {proc.returncode}: {' | '.join(err)}")
        return proc.stdout

    def host_port(self, role: str, guest_port: int) -> int:
        return self.vms[role].forwards[guest_port]

    def save(self, name: str, text: str) -> Path:
        path = self.logdir / name
        path.write_text(text)
        return path


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Cluster], str]  # returns a short detail for the progress line


@dataclass
class Result:
    name: str
    passed: bool
    detail: str
    seconds: float


def run_checks(checks: list[Check], cluster: Cluster) -> list[Result]:
    results = []
    for check in checks:
        t0 = time.monotonic()
        try:
            detail, passed = check.run(cluster), True
        except CheckFailed as exc:
            detail, passed = str(exc), False
        except Exception as exc:  # a broken check is a failed check, not a crashed run
            detail, passed = f"{type(exc).__name__}: {exc}", False
        results.append(Result(check.name, passed, detail, round(time.monotonic() - t0, 1)))
        say(f"{'PASS' if passed else 'FAIL'} {check.name}" + (f" -- {detail}" if detail else ""))
    return results


def write_results(results: list[Result], path: Path) -> None:
    path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
