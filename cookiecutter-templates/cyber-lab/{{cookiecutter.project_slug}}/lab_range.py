"""The range as data: which VMs the config asks for, where they sit, how Ansible reaches them.

Pure Python, shared by the Pulumi program (the jump host's inventory) and by the
operator's commands in ``lab.py`` (``make inventory``), so both describe the same lab.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

RESERVED_HOSTS = 16
"""The lab subnet's first hosts stay out of Neutron's allocation pool: the jump host takes
the first, fixed addresses of the config are best chosen among the others."""
APT_PROXY_PORT = 3142
"""apt-cacher-ng's port on the jump host: the lab's only way to packages."""
ROLES = ("attacker", "target")


class PlanError(ValueError):
    """The config describes a lab that cannot be built (one line, naming the VM)."""


class VmSpec(Protocol):
    """An item of the ``vms`` config (``settings.LabVm``)."""

    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def image(self) -> str: ...
    @property
    def flavor(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def fixed_ip(self) -> str: ...


class ImageSpec(Protocol):
    """An item of the ``images`` config (``settings.LabImage``)."""

    @property
    def vif_model(self) -> str: ...
    @property
    def disk_bus(self) -> str: ...
    @property
    def video_model(self) -> str: ...
    @property
    def os_distro(self) -> str: ...


@dataclass(frozen=True)
class LabNode:
    """One lab server."""

    name: str
    role: str
    image: str
    flavor: str
    fixed_ip: str | None


def jump_lab_address(lab_cidr: str) -> str:
    """The jump host's fixed address on the lab subnet (its first host)."""
    return str(ipaddress.IPv4Network(lab_cidr).network_address + 1)


def lab_nodes(vms: Sequence[VmSpec], lab_cidr: str) -> list[LabNode]:
    """Every server of the ``vms`` list: ``name`` alone, or ``name-1``... when ``count > 1``;
    a fixed address is the first of ``count`` consecutive ones."""
    network = ipaddress.IPv4Network(lab_cidr)
    taken = {jump_lab_address(lab_cidr): "the jump host"}
    nodes: list[LabNode] = []
    for vm in vms:
        for index in range(vm.count):
            name = vm.name if vm.count == 1 else f"{vm.name}-{index + 1}"
            fixed_ip = None
            if vm.fixed_ip:
                address = ipaddress.IPv4Address(vm.fixed_ip) + index
                fixed_ip = str(address)
                if address not in network or address == network.broadcast_address:
                    raise PlanError(f"vms.{vm.name}: {address} ({name}) is outside {network}")
                if fixed_ip in taken:
                    owner = taken[fixed_ip]
                    raise PlanError(f"vms.{vm.name}: {address} ({name}) is already {owner}'s")
                taken[fixed_ip] = name
            nodes.append(LabNode(name, vm.role, vm.image, vm.flavor, fixed_ip))
    names = [node.name for node in nodes]
    for name in names:
        if names.count(name) > 1:
            raise PlanError(f"vms: two servers would be named {name!r}")
    return nodes


def image_properties(image: ImageSpec) -> dict[str, str]:
    """The Glance properties Nova builds the lab VM's virtual hardware from."""
    properties = {
        "hw_vif_model": image.vif_model,
        "hw_disk_bus": image.disk_bus,
        "hw_video_model": image.video_model,
    }
    if image.os_distro:
        properties["os_distro"] = image.os_distro
    return properties


def inventory(
    hosts: Mapping[str, Mapping[str, str]],
    user: str,
    key_file: str | None = None,
    proxy_jump: str | None = None,
) -> str:
    """An Ansible INI inventory: one group per role, all of them in ``lab``.

    ``hosts`` is the ``lab_hosts`` output (name -> role, address). From outside,
    ``proxy_jump`` (``user@jump-host``) is the SSH hop into the sealed network and the
    lab key comes from ``ssh-agent``; on the jump host the lab is reached directly
    with ``key_file``.
    """
    lines: list[str] = []
    for role in ROLES:
        lines.append(f"[{role}]")
        lines += [
            f"{name} ansible_host={host['address']}"
            for name, host in sorted(hosts.items())
            if host["role"] == role
        ]
        lines.append("")
    lines += ["[lab:children]", *ROLES, "", "[lab:vars]", f"ansible_user={user}"]
    if key_file:
        lines.append(f"ansible_ssh_private_key_file={key_file}")
    ssh_args = "-o StrictHostKeyChecking=accept-new"
    if proxy_jump:
        ssh_args += f" -o ProxyJump={proxy_jump}"
    lines.append(f"ansible_ssh_common_args='{ssh_args}'")
    return "\n".join(lines) + "\n"
