"""Which stacks a blueprint declares and with which rights each one deploys.

blueprint.yaml's ``stacks:`` list (``- {name: dev, rights: member, help: ...}``) says what
each stack needs; the acceptance flow deploys every declared stack with exactly those
rights, through the sandbox cloud of that persona (``sandbox/up.sh`` writes one clouds.yaml
entry per persona of the secure RBAC defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

RIGHTS = ("admin", "member", "reader")

SANDBOX_CLOUD = "osbp-sandbox"
CLOUDS = {
    "admin": SANDBOX_CLOUD,
    "member": f"{SANDBOX_CLOUD}-member",
    "reader": f"{SANDBOX_CLOUD}-reader",
}
"""clouds.yaml entry of each persona: the operator, and a member and a reader of osbp-demo."""


class StacksError(ValueError):
    """blueprint.yaml's ``stacks:`` is missing or malformed."""


@dataclass(frozen=True)
class DeclaredStack:
    name: str
    rights: str
    help: str

    @property
    def cloud(self) -> str:
        return CLOUDS[self.rights]


def declared_stacks(blueprint_dir: Path) -> list[DeclaredStack]:
    """The ``stacks:`` of ``blueprint_dir/blueprint.yaml``, first stack first."""
    path = blueprint_dir / "blueprint.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = doc.get("stacks")
    if not isinstance(entries, list) or not entries:
        raise StacksError(f"{path}: no stacks: list (each stack's name, rights and help)")
    stacks = []
    for index, entry in enumerate(entries):
        where = f"{path}: stacks[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise StacksError(f"{where}: needs a name")
        if entry.get("rights") not in RIGHTS:
            raise StacksError(f"{where}: rights must be one of {', '.join(RIGHTS)}")
        stacks.append(DeclaredStack(entry["name"], entry["rights"], str(entry.get("help", ""))))
    names = [stack.name for stack in stacks]
    if len(set(names)) != len(names):
        raise StacksError(f"{path}: stack names repeat: {', '.join(names)}")
    return stacks
