"""cyber-lab on a real cloud: answers for the local sandbox and what must hold there.

Run by ``python -m e2e`` (see ``e2e/flow.py``): ``verify`` after every ``pulumi up``,
``after_up`` (``make reset``, then a clean re-preview) once the first ``up`` is checked,
``verify_update`` after the update step. Every check reads the cloud through openstacksdk.
The image the stack uploads is a real (tiny) qcow2 disk made here with ``qemu-img``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

LAB_CIDR = "10.66.0.0/24"
INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
SECGROUP = "openstack:networking/secGroup:SecGroup"
LAB_VMS = ("attacker", "target-1", "target-2")
HARDWARE = {"hw_vif_model": "e1000", "hw_disk_bus": "sata", "hw_video_model": "vga"}


def _tiny_image() -> str:
    """A real 64 MiB qcow2 disk (a few hundred KiB on disk) for Glance to store, made once
    per machine (loading this module again does not add files)."""
    image = Path(tempfile.gettempdir()) / "osbp-cyber-lab" / "range.qcow2"
    if not image.is_file():
        image.parent.mkdir(exist_ok=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(image), "64M"], check=True)
    return str(image)


IMAGE_FILE = _tiny_image()

ANSWERS = {
    "jump_image": "ubuntu-22.04",
    "jump_flavor": "m1.tiny",
    "external_network": "public",
    "images": [
        {"name": "range", "file": IMAGE_FILE, "disk_format": "qcow2", "os_distro": "debian"}
    ],
    "vms": [
        {"name": "attacker", "role": "attacker", "image": "range", "flavor": "m1.tiny"},
        {"name": "target", "role": "target", "image": "range", "flavor": "m1.tiny", "count": 2},
    ],
}
"""The lab stack's answers (``osbp new``): the defaults' shape, scaled to the sandbox, with
the image uploaded from a local file and the jump host on an image the sandbox has."""

UPDATE = {"admin_cidr": "198.51.100.0/24", "jump_flavor": "m1.small"}
"""The update step: SSH opened to an admin network and a resized jump host (replaced);
the lab VMs must stay as they are."""


def _lab_ports(deployed: Any) -> dict[str, str]:
    ports = {name: deployed.id_of(PORT, name) for name in LAB_VMS}
    ports["jump-1"] = deployed.id_of(PORT, "jump-1")
    return ports


def _rules(conn: Any, group_id: str) -> list[tuple[str, str, str | None, str | None]]:
    return sorted(
        (rule.direction, rule.ether_type, rule.protocol, rule.remote_ip_prefix)
        for rule in conn.network.security_group_rules(security_group_id=group_id)
    )


def verify(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    """Assert the sealed range in the cloud; return the checks that passed."""
    from e2e.cloud import expect, ingress_rules

    outputs = deployed.outputs
    checks = []

    image_id = outputs["image_ids"]["range"]
    image = conn.image.get_image(image_id)
    expect(image.status, "active", "status of the uploaded image")
    expect(image.disk_format, "qcow2", "disk format of the uploaded image")
    expect(image.container_format, "bare", "container format of the uploaded image")
    expect(image.size, os.path.getsize(IMAGE_FILE), "size Glance stored")
    for key, value in {**HARDWARE, "os_distro": "debian"}.items():
        expect(getattr(image, key), value, f"image property {key}")  # Glance's own names
    checks.append(f"image {image.name} uploaded ({image.size} bytes), {HARDWARE} read back")

    servers = {name: deployed.id_of(INSTANCE, name) for name in (*LAB_VMS, "jump")}
    for name, server_id in servers.items():
        server = conn.compute.get_server(server_id)
        expect(server.status, "ACTIVE", f"status of server {name}")
        if name != "jump":
            expect(server.image["id"], image_id, f"image of server {name}")
            assert server.has_config_drive in (True, "True", "true"), f"{name}: no config drive"
    checks.append("jump host and lab VMs ACTIVE; lab VMs on the uploaded image, config drive")

    lab_id = deployed.id_of(NETWORK, "lab")
    lab = conn.network.get_network(lab_id)
    expect(lab.is_shared, False, "lab network shared")
    expect(lab.is_port_security_enabled, True, "port security of the lab network")
    subnet = conn.network.get_subnet(deployed.id_of(SUBNET, "lab"))
    expect(subnet.gateway_ip, None, "gateway of the lab subnet")
    expect(subnet.cidr, LAB_CIDR, "lab subnet")
    owners = {port.device_owner for port in conn.network.ports(network_id=lab_id)}
    expect({o for o in owners if o.startswith("network:router")}, set(), "router ports on the lab")
    routers = [
        port for port in conn.network.ports(device_owner="network:router_interface")
        if any(ip["subnet_id"] == subnet.id for ip in port.fixed_ips)
    ]  # fmt: skip
    expect(routers, [], "router interfaces on the lab subnet")
    checks.append(
        f"lab network not shared, port security on, no gateway, no router port ({owners})"
    )

    lab_ports = _lab_ports(deployed)
    for name, port_id in lab_ports.items():
        expect(list(conn.network.ips(port_id=port_id)), [], f"floating IPs of lab port {name}")
    jump_ips = list(conn.network.ips(port_id=deployed.id_of(PORT, "jump")))
    expect([ip.floating_ip_address for ip in jump_ips], [outputs["jump_public_ip"]], "jump FIP")
    checks.append("no floating IP on any lab port; the jump host's is on its management port")

    groups = {name: deployed.id_of(SECGROUP, name) for name in ("lab", "jump-lab", "jump-admin")}
    expect(
        _rules(conn, groups["lab"]),
        sorted([("egress", "IPv4", None, LAB_CIDR), ("ingress", "IPv4", None, LAB_CIDR)]),
        "rules of the lab group",
    )
    expect(
        _rules(conn, groups["jump-lab"]),
        sorted([("egress", "IPv4", None, LAB_CIDR), ("ingress", "IPv4", "tcp", LAB_CIDR)]),
        "rules of the jump host's lab group",
    )
    for name in ("lab", "jump-lab"):
        egress = [r for r in _rules(conn, groups[name]) if r[0] == "egress"]
        assert all(r[3] == LAB_CIDR for r in egress), f"{name}: egress beyond the lab: {egress}"
    admin = answers.get("admin_cidr") or ""
    expect(
        ingress_rules(conn, groups["jump-admin"]),
        [("tcp", 22, 22, admin)] if admin else [],
        "SSH rules of the jump host",
    )
    default = {g.id for g in conn.network.security_groups(name="default")}
    for name, port_id in lab_ports.items():
        attached = set(conn.network.get_port(port_id).security_group_ids)
        expected = {groups["jump-lab" if name == "jump-1" else "lab"]}
        expect(attached, expected, f"security groups of lab port {name}")
        assert not attached & default, f"{name} carries Neutron's default group"
    checks.append(
        "lab groups: egress only to the lab subnet (Neutron's allow-all rules deleted), "
        + (f"SSH to the jump host from {admin} only" if admin else "SSH to the jump host closed")
    )

    jump_lab = conn.network.get_port(lab_ports["jump-1"])
    first_host = str(ipaddress.ip_network(LAB_CIDR).network_address + 1)
    expect([ip["ip_address"] for ip in jump_lab.fixed_ips], [first_host], "jump lab address")
    expect(jump_lab.device_id, servers["jump"], "server of the jump host's lab port")
    for name in LAB_VMS:
        address = outputs["lab_hosts"][name]["address"]
        port = conn.network.get_port(lab_ports[name])
        expect([ip["ip_address"] for ip in port.fixed_ips], [address], f"address of {name}")
    keypair = conn.compute.get_keypair(
        deployed.resource("openstack:compute/keypair:Keypair", "lab")["outputs"]["name"]
    )
    key_names = {conn.compute.get_server(server_id).key_name for server_id in servers.values()}
    expect(key_names, {keypair.name}, "key pair of the servers")
    checks.append(f"jump host on both networks ({first_host} on the lab); key pair {keypair.name}")
    return checks


def after_up(conn: Any, stack: Any, deployed: Any) -> list[str]:
    """``make reset`` against the cloud: every lab VM replaced on its port, the jump host
    untouched; the flow then re-reads the state and previews it (no change expected)."""
    result = subprocess.run(
        ["make", "reset", f"STACK={stack.stack}"],
        cwd=stack.project_dir,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise AssertionError(f"make reset failed:\n{result.stdout}{result.stderr}")
    said = re.search(r"^reset 3 lab VM\(s\) \((.*)\) in ([0-9.]+) s$", result.stdout, re.M)
    assert said and said[1] == ", ".join(LAB_VMS), f"make reset said: {result.stdout}"
    after = stack.outputs()
    checks = [f"make reset: {said[0]}"]
    for name in LAB_VMS:
        old = deployed.id_of(INSTANCE, name)
        assert conn.compute.find_server(old, ignore_missing=True) is None, f"{name}: old left"
        port = conn.network.get_port(deployed.id_of(PORT, name))
        assert port.device_id and port.device_id != old, f"{name}: port not on a new server"
        new = conn.compute.get_server(port.device_id)
        assert new.status == "ACTIVE", f"{name}: the new server is {new.status}"
        expect_address = deployed.outputs["lab_hosts"][name]["address"]
        assert after["lab_hosts"][name]["address"] == expect_address, f"{name} moved"
    jump = conn.compute.get_server(deployed.id_of(INSTANCE, "jump"))
    assert jump.status == "ACTIVE", "the jump host was touched"
    checks.append(f"{', '.join(LAB_VMS)} replaced on their ports (same addresses); jump kept")
    return checks


def verify_update(conn: Any, before: Any, after: Any) -> list[str]:
    """The update replaced the jump host only."""
    assert before.id_of(INSTANCE, "jump") != after.id_of(INSTANCE, "jump"), "jump not replaced"
    for name in LAB_VMS:
        assert before.id_of(INSTANCE, name) == after.id_of(INSTANCE, name), f"{name} replaced"
    flavor = conn.compute.get_server(after.id_of(INSTANCE, "jump")).flavor
    assert (flavor.get("original_name") or flavor.get("name")) == "m1.small", flavor
    return ["the jump host replaced with m1.small; every lab VM kept"]
