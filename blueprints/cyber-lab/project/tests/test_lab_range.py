"""The range as data: servers from the vms list, image properties, the inventory."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lab_range import PlanError, image_properties, inventory, jump_lab_address, lab_nodes

LAB = "10.66.0.0/24"


@dataclass(frozen=True)
class Vm:
    name: str
    role: str = "target"
    image: str = "debian-12"
    flavor: str = "m1.small"
    count: int = 1
    fixed_ip: str = ""


@dataclass(frozen=True)
class Image:
    vif_model: str = "e1000"
    disk_bus: str = "sata"
    video_model: str = "vga"
    os_distro: str = ""


def test_count_names_servers_and_fixed_addresses_follow() -> None:
    nodes = lab_nodes([Vm("kali", "attacker", count=2, fixed_ip="10.66.0.5"), Vm("web")], LAB)
    assert [(n.name, n.role, n.fixed_ip) for n in nodes] == [
        ("kali-1", "attacker", "10.66.0.5"),
        ("kali-2", "attacker", "10.66.0.6"),
        ("web", "target", None),
    ]


def test_the_jump_host_takes_the_first_lab_host() -> None:
    assert jump_lab_address(LAB) == "10.66.0.1"
    with pytest.raises(PlanError, match=r"vms.x: 10.66.0.1 \(x\) is already the jump host's"):
        lab_nodes([Vm("x", fixed_ip="10.66.0.1")], LAB)


def test_addresses_past_the_subnet_are_refused() -> None:
    with pytest.raises(PlanError, match=r"10.66.0.255 \(x-2\) is outside 10.66.0.0/24"):
        lab_nodes([Vm("x", count=2, fixed_ip="10.66.0.254")], LAB)


def test_two_vms_on_one_address_are_refused() -> None:
    with pytest.raises(PlanError, match=r"vms.b: 10.66.0.6 \(b\) is already a-2's"):
        lab_nodes([Vm("a", count=2, fixed_ip="10.66.0.5"), Vm("b", fixed_ip="10.66.0.6")], LAB)


def test_expanded_names_must_not_collide() -> None:
    with pytest.raises(PlanError, match="two servers would be named 'web-1'"):
        lab_nodes([Vm("web", count=2), Vm("web-1")], LAB)


def test_image_properties() -> None:
    assert image_properties(Image()) == {
        "hw_vif_model": "e1000",
        "hw_disk_bus": "sata",
        "hw_video_model": "vga",
    }
    assert image_properties(Image("virtio", "ide", "cirrus", "kali"))["os_distro"] == "kali"


HOSTS = {
    "target-2": {"role": "target", "address": "10.66.0.19"},
    "attacker": {"role": "attacker", "address": "10.66.0.17"},
    "target-1": {"role": "target", "address": "10.66.0.18"},
}


def test_inventory_groups_per_role_behind_the_jump_host() -> None:
    assert inventory(HOSTS, "kali", proxy_jump="debian@203.0.113.5") == (
        "[attacker]\n"
        "attacker ansible_host=10.66.0.17\n"
        "\n"
        "[target]\n"
        "target-1 ansible_host=10.66.0.18\n"
        "target-2 ansible_host=10.66.0.19\n"
        "\n"
        "[lab:children]\n"
        "attacker\n"
        "target\n"
        "\n"
        "[lab:vars]\n"
        "ansible_user=kali\n"
        "ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new"
        " -o ProxyJump=debian@203.0.113.5'\n"
    )


def test_inventory_on_the_jump_host_uses_its_key_file() -> None:
    text = inventory(HOSTS, "debian", key_file="/root/.ssh/lab_key")
    assert "ansible_ssh_private_key_file=/root/.ssh/lab_key\n" in text
    assert "ProxyJump" not in text
