"""Bake a blueprint into a project and render each node's user data under Pulumi mocks."""

import ipaddress
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .progress import say
from .spec import DataDisk, Deployment, NodeSpec

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
SUBNET = "openstack:networking/subnet:Subnet"
VOLUME = "openstack:blockstorage/volume:Volume"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
PASSWORD = "random:index/randomPassword:RandomPassword"
ROLE_KEY = "osbp-role"


def bake(repo: Path, blueprint: str, out: Path, answers: Mapping[str, str] | None = None) -> Path:
    """Run ``osbp new`` for ``blueprint`` into ``out``; return the generated project directory."""
    osbp = repo / ".venv" / "bin" / "osbp"
    out.mkdir(parents=True, exist_ok=True)
    sets = [arg for key, value in (answers or {}).items() for arg in ("--set", f"{key}={value}")]
    proc = subprocess.run(
        [str(osbp), "new", blueprint, "-o", str(out), "--no-input", *sets],
        cwd=repo, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"osbp new failed:\n{proc.stdout}\n{proc.stderr}")
    projects = [p.parent for p in out.glob("*/Pulumi.yaml")]
    if len(projects) != 1:
        raise RuntimeError(f"expected one generated project under {out}, found {projects}")
    return projects[0]


def _plain(value: Any) -> Any:
    """Unwrap a secret as the engine's wire format carries it ({<sig>: ..., "value": v})."""
    if isinstance(value, dict) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def capture(repo: Path, project: Path) -> list[Any]:
    """The program's resource records, run offline under the generator's Pulumi mocks."""
    sys.path.insert(0, str(repo))
    from generator.preview import capture_program

    cwd = os.getcwd()
    try:
        cap = capture_program(project, stack=None, reveal_secrets=True)
    finally:
        os.chdir(cwd)
    return list(cap.resources)


def _get(record: Any, kind: str, key: str) -> Any:
    return _plain((getattr(record, kind) or {}).get(key))


def port_address(port: Any, subnets: list[ipaddress.IPv4Network]) -> ipaddress.IPv4Interface:
    """A port's first fixed address with the prefix of the subnet it is on."""
    ip = ipaddress.ip_address(_get(port, "outputs", "allFixedIps")[0])
    net = next((n for n in subnets if ip in n), None)
    if net is None:
        raise RuntimeError(f"port {port.name}: {ip} is on none of the program's subnets")
    return ipaddress.IPv4Interface(f"{ip}/{net.prefixlen}")


def deployment_from_capture(
    blueprint: str,
    resources: list[Any],
    extra_nodes: Callable[[list[Any]], list[NodeSpec]] | None = None,
) -> Deployment:
    """Map the captured resources onto nodes: role, user data, addresses, data disks.

    ``extra_nodes`` (a blueprint's ``node_checks.py``) adds the servers that are not Pulumi
    Instances, e.g. those a Heat stack creates from user data the program rendered.
    """
    by_type: dict[str, list[Any]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    ports = {r.id: r for r in by_type.get(PORT, [])}
    volumes = {r.id: r for r in by_type.get(VOLUME, [])}
    subnets = [ipaddress.IPv4Network(_get(s, "inputs", "cidr")) for s in by_type.get(SUBNET, [])]
    nodes = []
    for inst in by_type.get(INSTANCE, []):
        role = (_get(inst, "inputs", "metadata") or {}).get(ROLE_KEY)
        if not role:
            raise RuntimeError(f"instance {inst.name} has no {ROLE_KEY} metadata")
        nics = _get(inst, "inputs", "networks") or []
        if not nics or any("port" not in nic for nic in nics):
            raise RuntimeError(f"instance {inst.name}: every network must be given as a port")
        disks = [
            DataDisk(
                serial=str(a_vol)[:20],
                size_gib=int(_get(volumes[a_vol], "inputs", "size") or 4),
            )
            for a in by_type.get(ATTACH, [])
            if _get(a, "inputs", "instanceId") == inst.id
            for a_vol in [_get(a, "inputs", "volumeId")]
        ]
        nodes.append(
            NodeSpec(
                role=role,
                hostname=_get(inst, "inputs", "name") or role,
                user_data=_get(inst, "inputs", "userData"),
                addresses=[port_address(ports[nic["port"]], subnets) for nic in nics],
                disks=disks,
            )
        )
    if extra_nodes is not None:
        nodes += extra_nodes(resources)
    if not nodes:
        raise RuntimeError("the program declares no servers")
    _unique_roles(nodes)
    secrets = {
        r.name: str(_get(r, "outputs", "result"))
        for r in by_type.get(PASSWORD, [])
        if _get(r, "outputs", "result")
    }
    say(
        f"captured {len(resources)} resources: nodes {[n.role for n in nodes]}, "
        f"{len(secrets)} secret(s)"
    )
    return Deployment(blueprint=blueprint, nodes=nodes, secrets=secrets)


def _unique_roles(nodes: list[NodeSpec]) -> None:
    """Several servers of one role (workers) are told apart as ``<role>-1``, ``<role>-2``..."""
    roles = [n.role for n in nodes]
    seen: dict[str, int] = {}
    for node in nodes:
        if roles.count(node.role) > 1:
            seen[node.role] = seen.get(node.role, 0) + 1
            node.role = f"{node.role}-{seen[node.role]}"
