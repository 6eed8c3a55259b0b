"""Day-2 commands of the range: ``make inventory`` and ``make reset``.

Both read the stack's outputs (``pulumi stack output --json``), so they follow what is
deployed, not what the config says. ``reset`` is ``pulumi up --replace`` of the lab
servers: Pulumi deletes each one and boots a new one from its image on the same port
(same address), with the same user data; nothing else changes and the state stays true.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lab_range import inventory

Runner = Callable[[list[str]], str]
"""Runs a command, returns its stdout; raises ``subprocess.CalledProcessError``."""


class CommandError(Exception):
    """A user mistake: one ``error:`` line, exit status 2."""


def run_command(command: list[str]) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def stack_outputs(stack: str, run: Runner) -> dict[str, Any]:
    """The stack's outputs; secrets stay masked (nothing here needs them)."""
    outputs: dict[str, Any] = json.loads(
        run(["pulumi", "stack", "output", "--json", "--stack", stack])
    )
    if "lab_hosts" not in outputs:
        raise CommandError(f"stack {stack} has no lab_hosts output: run `make up` first")
    return outputs


def write_inventory(stack: str, target: Path, jump_user: str, run: Runner) -> str:
    """``target`` (an INI inventory) from the outputs; the lab key comes from ssh-agent."""
    outputs = stack_outputs(stack, run)
    jump = outputs.get("jump_public_ip") or outputs["jump_management_ip"]
    text = inventory(outputs["lab_hosts"], outputs["lab_user"], proxy_jump=f"{jump_user}@{jump}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return f"wrote {target}: {len(outputs['lab_hosts'])} lab host(s) behind {jump}"


def reset(stack: str, only: Sequence[str], run: Runner) -> str:
    """Replace the lab servers (all, or the ones named) and say how long it took."""
    urns: dict[str, str] = stack_outputs(stack, run)["lab_instance_urns"]
    unknown = sorted(set(only) - set(urns))
    if unknown:
        raise CommandError(
            f"ONLY names {', '.join(unknown)}, not a lab VM of stack {stack};"
            f" known: {', '.join(sorted(urns))}"
        )
    chosen = sorted(only) if only else sorted(urns)
    command = ["pulumi", "up", "--yes", "--skip-preview", "--stack", stack]
    for name in chosen:
        command += ["--replace", urns[name]]
    start = time.monotonic()
    run(command)
    elapsed = time.monotonic() - start
    return f"reset {len(chosen)} lab VM(s) ({', '.join(chosen)}) in {elapsed:.1f} s"


def main(argv: Sequence[str] | None = None, run: Runner = run_command) -> int:
    parser = argparse.ArgumentParser(prog="lab.py", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    written = commands.add_parser("inventory", help="write the Ansible inventory")
    written.add_argument("--output", type=Path, default=Path("inventory/hosts.ini"))
    written.add_argument("--jump-user", default="debian", help="login on the jump host")
    replaced = commands.add_parser("reset", help="rebuild lab VMs from their images")
    replaced.add_argument("--only", default="", help="comma-separated lab VM names")
    args = parser.parse_args(argv)
    try:
        if args.command == "inventory":
            message = write_inventory(args.stack, args.output, args.jump_user, run)
        else:
            names = [name.strip() for name in args.only.split(",") if name.strip()]
            message = reset(args.stack, names, run)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()[-1:]
        print(f"error: {' '.join(error.cmd[:3])} failed: {' '.join(detail)}", file=sys.stderr)
        return 1
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
