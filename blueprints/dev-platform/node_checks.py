"""Node checks for the dev-platform blueprint: a branch's environment VM (role ``devenv``).

The generated stack (``team``) declares no server: the environment VMs belong to branch
stacks. ``branch_nodes`` renders one exactly as the program does for the declared example
branch stack (``alice-first-env``), started from the team stack's config as the CI does
(``pulumi config cp --stack team``). The per-run SSH key the harness gives as meta-data
``public-keys`` stands in for the developer's Nova key pair.
"""

import ipaddress
import json
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from tests.nodes.checks import Check, CheckFailed, Cluster
from tests.nodes.project import ATTACH, INSTANCE, PORT, VOLUME, bake
from tests.nodes.roles import BlueprintChecks, register
from tests.nodes.roles.common import base_checks
from tests.nodes.spec import DataDisk, NodeSpec
from tests.nodes.ssh import Ssh, make_key

ROLE = "devenv"
BRANCH = "alice-first-env"
REPO = Path(__file__).resolve().parents[2]
WORK = "/srv/work"


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def branch_nodes(team_resources: list[Any]) -> list[NodeSpec]:
    """The environment VM of the example branch stack, rendered by the program."""
    from generator.preview import capture_program

    del team_resources  # the team stack has no server; its outputs feed the branch's
    work = Path(tempfile.mkdtemp(prefix="osbp-devenv-"))
    try:
        project = bake(REPO, "dev-platform", work)
        shutil.copyfile(project / "Pulumi.team.yaml", project / f"Pulumi.{BRANCH}.yaml")
        capture = capture_program(project, BRANCH, reveal_secrets=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by_type: dict[str, list[Any]] = {}
    for resource in capture.resources:
        by_type.setdefault(resource.type, []).append(resource)
    (instance,) = by_type[INSTANCE]
    (port,) = by_type[PORT]
    (attachment,) = by_type[ATTACH]
    volume_id = str(_plain(attachment.inputs["volumeId"]))
    (volume,) = [v for v in by_type[VOLUME] if v.id == volume_id]
    address = ipaddress.ip_address(_plain(port.outputs["allFixedIps"])[0])
    return [
        NodeSpec(
            role=ROLE,
            hostname=str(_plain(instance.inputs["name"])),
            user_data=str(_plain(instance.inputs["userData"])),
            addresses=[ipaddress.IPv4Interface(f"{address}/24")],
            disks=[DataDisk(serial=volume_id[:20], size_gib=int(volume.inputs["size"]))],
        )
    ]


def cloud_config(c: Cluster) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(c.deployment.node(ROLE).user_data)
    return document


def toolchain_commands(c: Cluster) -> list[str]:
    (entry,) = [f for f in cloud_config(c)["write_files"] if f["path"].endswith("toolchains.json")]
    commands: list[str] = json.loads(entry["content"])
    return commands


def as_developer(c: Cluster, script: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``script`` as the image's default user: the account the developer's key logs in to."""
    return c.ssh[ROLE].run(script, timeout=timeout, user="debian")


def toolbox_answers(c: Cluster) -> str:
    """git and every configured toolchain answer with their version, as the developer."""
    commands = ["git --version", *toolchain_commands(c)]
    script = "; ".join(f'echo "$({command} 2>&1 | head -1) rc=$?"' for command in commands)
    out = as_developer(c, "set -o pipefail; " + script)
    lines = out.stdout.strip().splitlines()
    failing = [
        f"{command}: {line}"
        for command, line in zip(commands, lines, strict=False)
        if not line.endswith("rc=0") or "not found" in line
    ]
    if out.returncode != 0 or len(lines) != len(commands) or failing:
        raise CheckFailed(f"toolbox: {failing or out.stderr.strip()[-200:]}")
    versions = as_developer(c, "devenv-versions")
    if versions.returncode != 0:
        raise CheckFailed(f"devenv-versions failed: {versions.stdout.strip()[-200:]}")
    return " | ".join(line.rsplit(" rc=", 1)[0] for line in lines)


def container_runtime_up(c: Cluster) -> str:
    """The runtime's unit is active and the developer talks to it without sudo."""
    runcmd = cloud_config(c)["runcmd"]
    (unit,) = [step[3] for step in runcmd if step[:3] == ["systemctl", "enable", "--now"]]
    state = c.sh(ROLE, f"systemctl is-active {shlex.quote(unit)}").stdout.strip()
    if state != "active":
        raise CheckFailed(f"{unit} is {state or 'unknown'}")
    probe = "docker info --format '{{.ServerVersion}}'" if unit == "docker" else "podman info"
    out = as_developer(c, probe)
    if out.returncode != 0:
        raise CheckFailed(f"{probe} as the developer: {(out.stderr or out.stdout).strip()[-200:]}")
    return f"{unit} active; {probe.split()[0]} server {out.stdout.strip().splitlines()[0][:40]}"


def work_volume_mounted(c: Cluster) -> str:
    """/srv/work is the branch volume's partition (from fstab), writable by the developer."""
    serial = c.deployment.node(ROLE).disks[0].serial
    out = c.sh_ok(ROLE, f"""
        disk=$(readlink -f /dev/disk/by-id/virtio-{serial}) || exit 3
        src=$(findmnt -no SOURCE {WORK}) || exit 4
        echo "disk=$disk"; echo "src=$src"; echo "parent=/dev/$(lsblk -no PKNAME "$src")"
        echo "fstab=$(findmnt --fstab -no TARGET {WORK})"; echo "root=$(findmnt -no SOURCE /)"
    """)  # fmt: skip
    facts = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if facts["parent"] != facts["disk"] or facts["src"] == facts["root"]:
        raise CheckFailed(f"{WORK} is not on the branch volume: {facts}")
    if facts["fstab"] != WORK:
        raise CheckFailed(f"{WORK} is not in /etc/fstab (a reboot would lose it)")
    write = as_developer(c, f"echo ok > {WORK}/probe && cat {WORK}/probe && rm {WORK}/probe")
    if write.stdout.strip() != "ok":
        raise CheckFailed(f"the developer cannot write to {WORK}: {write.stderr.strip()[-150:]}")
    return f"{WORK} on {facts['src']} (volume {serial}), writable by the developer"


def only_the_developer_key_logs_in(c: Cluster) -> str:
    """The key of the key pair logs in; another key does not, nor does a password."""
    port = c.host_port(ROLE, 22)
    own = c.ssh[ROLE]
    mine = subprocess.run([*own._argv(10), "true"], capture_output=True, text=True, timeout=60)
    with tempfile.TemporaryDirectory() as directory:
        stranger = Ssh(make_key(Path(directory)), port, own.user)
        other = subprocess.run(
            [*stranger._argv(10), "true"], capture_output=True, text=True, timeout=60
        )
        as_root = subprocess.run(
            [*Ssh(own.key, port, "root")._argv(10), "true"], capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
    sshd = c.sh_ok(ROLE, "sshd -T | grep -E '^(passwordauthentication|permitrootlogin) '")
    if mine.returncode != 0:
        raise CheckFailed(f"the developer's key is refused: {mine.stderr.strip()[-150:]}")
    if other.returncode == 0:
        raise CheckFailed("another key logs in")
    if as_root.returncode == 0 and "Please login as the user" not in as_root.stdout:
        raise CheckFailed("the developer's key logs in as root")
    if "passwordauthentication no" not in sshd:
        raise CheckFailed(f"sshd accepts passwords: {sshd.strip()}")
    return f"own key: in; other key: exit {other.returncode}; {' '.join(sshd.split())}"


register(
    BlueprintChecks(
        name="dev-platform",
        extra_nodes=branch_nodes,
        budget_seconds=600,
        checks=[
            *base_checks(ROLE),
            Check("devenv: git and every toolchain answer with their version", toolbox_answers),
            Check(
                "devenv: the container runtime is up, usable by the developer", container_runtime_up
            ),
            Check("devenv: the branch volume is mounted on /srv/work", work_volume_mounted),
            Check(
                "devenv: the developer's key logs in, another key and passwords do not",
                only_the_developer_key_logs_in,
            ),
        ],
    )
)
