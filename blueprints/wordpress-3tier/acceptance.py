"""wordpress-3tier on a real cloud: answers for the local sandbox and what must hold there.

Run by ``python -m e2e`` (see ``e2e/flow.py``): ``verify`` after every ``pulumi up``,
``verify_update`` after the update step. Every check reads the cloud through openstacksdk.
The stacks (dev, prod) and the rights they deploy with are declared in blueprint.yaml.
"""

from __future__ import annotations

import base64
import os
import struct
from typing import Any


def _public_key(comment: str) -> str:
    """A fresh, well-formed ed25519 OpenSSH public key (Nova parses what it is given).

    Nobody logs in to the sandbox's fake servers, so no private key is kept.
    """

    def field(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    blob = field(b"ssh-ed25519") + field(os.urandom(32))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}"


ANSWERS = {
    "web_flavor": "m1.tiny",
    "db_flavor": "m1.small",
    "db_volume_size": 1,
    "image": "ubuntu-22.04",
    "external_network": "public",
}
"""The first stack's answers (``osbp new``): the defaults, scaled to the sandbox."""

UPDATE = {
    "db_flavor": "m1.medium",
    "admin_email": "webmaster@example.org",
    "public_key": _public_key("ops@dev"),
}
"""The update step: a resize, a change of the web node's cloud-init and a new key (which
replaces both servers); the database volume must follow the new MySQL server."""

STACK_CONFIG = {
    "prod": {"public_key": _public_key("ops@prod"), "admin_cidr": "198.51.100.0/24"},
}
"""Each further stack starts from the first one's config plus these answers: prod takes
the keypair path (a public key and an admin network for SSH)."""

PROTECTS_DATA = True
"""The database volume is protected: ``pulumi destroy`` must be refused until unprotected."""

UNPROTECT = {"protect_data": False}
"""The documented unprotect step (then ``pulumi up``), before a final destroy."""

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
SECGROUP = "openstack:networking/secGroup:SecGroup"
KEYPAIR = "openstack:compute/keypair:Keypair"
NETWORK = "openstack:networking/network:Network"
ANYWHERE = "0.0.0.0/0"


def _flavor_name(conn: Any, server: Any) -> str:
    flavor = server.flavor or {}
    name = flavor.get("original_name") or flavor.get("name")
    return str(name) if name else str(conn.compute.get_flavor(flavor["id"]).name)


def _servers(deployed: Any) -> dict[str, str]:
    return {name: deployed.id_of(INSTANCE, name) for name in ("wordpress", "mysql")}


def verify(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    """Assert the architecture in the cloud; return the checks that passed."""
    from e2e.cloud import expect, ingress_rules, server_addresses

    frontend = answers.get("frontend_cidr", "10.0.1.0/24")
    admin_cidr = answers.get("admin_cidr") or ""
    outputs = deployed.outputs
    checks = []
    servers = _servers(deployed)
    flavors = {"wordpress": answers["web_flavor"], "mysql": answers["db_flavor"]}
    for name, server_id in servers.items():
        server = conn.compute.get_server(server_id)
        expect(server.status, "ACTIVE", f"status of server {name}")
        expect(_flavor_name(conn, server), flavors[name], f"flavor of server {name}")
    checks.append("both servers ACTIVE with their configured flavors")

    for node, network, address in (
        ("wordpress", "frontend", outputs["wordpress_private_ip"]),
        ("mysql", "backend", outputs["mysql_private_ip"]),
    ):
        port = conn.network.get_port(deployed.id_of(PORT, node))
        expect(port.network_id, deployed.id_of(NETWORK, network), f"network of the {node} port")
        expect([ip["ip_address"] for ip in port.fixed_ips], [address], f"{node} port address")
        expect(port.device_id, servers[node], f"server of the {node} port")
        reported = [ip for ips in server_addresses(conn, servers[node]).values() for ip in ips]
        assert address in reported, f"server {node} does not report its exported address {address}"
    checks.append("wordpress on frontend, mysql on backend, at the exported addresses")

    volume = conn.block_storage.get_volume(outputs["mysql_volume_id"])
    expect(volume.status, "in-use", "status of the database volume")
    attached_to = {attachment["server_id"] for attachment in volume.attachments}
    expect(attached_to, {servers["mysql"]}, "servers the database volume is attached to")
    expect(volume.size, int(answers["db_volume_size"]), "size of the database volume")
    checks.append("database volume in-use, attached to mysql only")

    groups = {name: deployed.id_of(SECGROUP, name) for name in ("web", "db")}
    ssh = [("tcp", 22, 22, admin_cidr)] if admin_cidr else []
    expect(ingress_rules(conn, groups["db"]), sorted([("tcp", 3306, 3306, frontend), *ssh]), "db")
    web = ingress_rules(conn, groups["web"])
    allowed_web = {("tcp", 80, 80, ANYWHERE), ("tcp", 443, 443, ANYWHERE), *ssh}
    expect(set(web) - allowed_web, set(), "web ingress beyond HTTP(S) and admin SSH")
    expect(("tcp", 80, 80, ANYWHERE) in web, True, "web admits HTTP from anywhere")
    expect([rule for rule in web if rule[1] == 22], ssh, "SSH rules of the web group")
    checks.append(
        f"db admits 3306 from {frontend} only; web admits HTTP(S); "
        + (f"SSH from {admin_cidr} only" if admin_cidr else "no SSH")
    )

    for node, group in (("wordpress", "web"), ("mysql", "db")):
        port = conn.network.get_port(deployed.id_of(PORT, node))
        expect(port.security_group_ids, [groups[group]], f"security groups of the {node} port")
    checks.append("each port carries exactly its tier's security group")

    floating = list(conn.network.ips(floating_ip_address=outputs["wordpress_public_ip"]))
    expect([ip.port_id for ip in floating], [deployed.id_of(PORT, "wordpress")], "floating IP port")
    expect(list(conn.network.ips(port_id=deployed.id_of(PORT, "mysql"))), [], "mysql floating IPs")
    checks.append("the floating IP is on wordpress; mysql has none")

    public_key = answers.get("public_key") or ""
    key_names = {conn.compute.get_server(server_id).key_name for server_id in servers.values()}
    if public_key:
        keypair = deployed.resource(KEYPAIR, "admin")
        key_name = keypair["outputs"]["name"]
        expect(key_names, {key_name}, "key pair of the servers")
        stored = conn.compute.get_keypair(key_name).public_key.split()[:2]
        expect(stored, public_key.split()[:2], f"public key of key pair {key_name}")
        checks.append(f"both servers carry key pair {key_name} with the configured key")
    else:
        expect(key_names, {None}, "key pair of the servers")
        checks.append("no key pair on the servers")
    return checks


def verify_update(conn: Any, before: Any, after: Any) -> list[str]:
    """The update step replaced the servers and kept the data: same volume, re-attached."""
    from e2e.cloud import expect

    old, new = _servers(before), _servers(after)
    for name in ("wordpress", "mysql"):
        assert old[name] != new[name], f"server {name} was not replaced by the update"
        assert conn.compute.find_server(old[name], ignore_missing=True) is None, (
            f"the replaced server {name} ({old[name]}) is still in the cloud"
        )
    volume_id = before.outputs["mysql_volume_id"]
    expect(after.outputs["mysql_volume_id"], volume_id, "database volume id after the update")
    volume = conn.block_storage.get_volume(volume_id)
    attached_to = {attachment["server_id"] for attachment in volume.attachments}
    expect(attached_to, {new["mysql"]}, "server the database volume is attached to")
    return [
        "both servers replaced, the old ones gone",
        f"database volume {volume_id} kept and attached to the new mysql server",
    ]
