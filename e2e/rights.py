"""Which stacks a blueprint declares and with which rights each one deploys.

blueprint.yaml's ``stacks:`` list (``- {name: dev, rights: member, help: ...}``) says what
each stack needs; the acceptance flow deploys every declared stack with exactly those
rights, through the sandbox cloud of that persona (``sandbox/up.sh`` writes one clouds.yaml
entry per persona of the secure RBAC defaults).

``system-admin`` is Keystone's system administrator: a stack that creates projects, users
and role assignments and then acts inside those projects. Its token is system-scoped
(Zed's new defaults let a project-scoped admin create a project but not read it back), and
it authenticates with ``OS_*`` variables instead of a clouds.yaml entry: the provider
ignores a provider's ``tenant_id`` and ``system_scope`` when ``OS_CLOUD`` names an entry,
which pins one scope for every provider of the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

RIGHTS = ("system-admin", "admin", "member", "reader")

SANDBOX_CLOUD = "osbp-sandbox"
CLOUDS = {
    "system-admin": SANDBOX_CLOUD,
    "admin": SANDBOX_CLOUD,
    "member": f"{SANDBOX_CLOUD}-member",
    "reader": f"{SANDBOX_CLOUD}-reader",
}
"""clouds.yaml entry of each persona: the operator, and a member and a reader of osbp-demo.
The system administrator is the operator's user; the flow's checks use its project session."""

SYSTEM_SCOPED = frozenset({"system-admin"})


def system_scoped_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with ``OS_CLOUD`` turned into the same user's ``OS_*`` variables, unscoped:
    the program scopes each provider (the system for Keystone, each project it creates)."""
    default = Path.home() / ".config" / "openstack" / "clouds.yaml"
    clouds_file = Path(env.get("OS_CLIENT_CONFIG_FILE") or default)
    entry = yaml.safe_load(clouds_file.read_text(encoding="utf-8"))["clouds"][env["OS_CLOUD"]]
    auth = entry["auth"]
    scoped = {key: value for key, value in env.items() if key != "OS_CLOUD"}
    scoped.update(
        OS_AUTH_URL=auth["auth_url"],
        OS_USERNAME=auth["username"],
        OS_PASSWORD=auth["password"],
        OS_USER_DOMAIN_NAME=auth.get("user_domain_name", "Default"),
        OS_REGION_NAME=entry.get("region_name", "RegionOne"),
        OS_INTERFACE=entry.get("interface", "public"),
        OS_IDENTITY_API_VERSION="3",
    )
    # The program asks for the system scope itself (the provider reads OS_SYSTEM_SCOPE as a
    # boolean default of every provider, the openstack CLI as "all").
    for project_key in (
        "OS_PROJECT_NAME",
        "OS_PROJECT_ID",
        "OS_TENANT_NAME",
        "OS_TENANT_ID",
        "OS_SYSTEM_SCOPE",
    ):
        scoped.pop(project_key, None)
    return scoped


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

    @property
    def system_scoped(self) -> bool:
        return self.rights in SYSTEM_SCOPED


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
