"""A per-run SSH key and commands run on a node over its host-forwarded SSH port."""

import shlex
import subprocess
from pathlib import Path

UNRESOLVED_HOST = "sudo: unable to resolve host"


def make_key(directory: Path) -> Path:
    """Generate an ed25519 key pair in ``directory``; return the private key path."""
    key = directory / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "osbp-node-test", "-f", str(key)],
        check=True,
    )
    return key


class Ssh:
    """Runs shell commands as root (through sudo) on one VM reached at 127.0.0.1:port."""

    def __init__(self, key: Path, port: int, user: str) -> None:
        self.key, self.port, self.user = key, port, user

    def _argv(self, connect_timeout: int) -> list[str]:
        return [
            "ssh", "-q", "-i", str(self.key), "-p", str(self.port),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", f"ConnectTimeout={connect_timeout}",
            f"{self.user}@127.0.0.1",
        ]  # fmt: skip

    def run(
        self, script: str, timeout: float = 180, stdin: str | None = None, user: str = "root"
    ) -> subprocess.CompletedProcess[str]:
        """Run ``script`` with bash as ``user`` on the node. Never raises on a non-zero exit."""
        remote = f"sudo -n -u {user} -H bash -c {shlex.quote(script)}"
        try:
            proc = subprocess.run(
                [*self._argv(10), remote], input=stdin, capture_output=True, text=True,
                timeout=timeout,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(exc.cmd, 124, "", f"timed out after {timeout}s")
        # the guest's hostname need not resolve (no DNS here): drop sudo's complaint about it
        proc.stderr = "".join(
            ln for ln in proc.stderr.splitlines(True) if not ln.startswith(UNRESOLVED_HOST)
        )
        return proc
