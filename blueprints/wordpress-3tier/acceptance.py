"""wordpress-3tier on a real cloud: answers for the local sandbox and what must hold there.

Run by ``python -m e2e`` (see ``e2e/flow.py``) after ``pulumi up``; every check
reads the cloud through openstacksdk.
"""

from __future__ import annotations

from typing import Any

ANSWERS = {
    "web_flavor": "m1.tiny",
    "db_flavor": "m1.small",
    "db_volume_size": 1,
    "image": "ubuntu-22.04",
    "external_network": "public",
}

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
SECGROUP = "openstack:networking/secGroup:SecGroup"


def verify(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    """Assert the architecture in the cloud; return the checks that passed."""
    from e2e.cloud import expect, ingress_rules, server_addresses

    frontend = answers.get("frontend_cidr", "10.0.1.0/24")
    outputs = deployed.outputs
    checks = []
    servers = {name: deployed.id_of(INSTANCE, name) for name in ("wordpress", "mysql")}
    for name, server_id in servers.items():
        server = conn.compute.get_server(server_id)
        expect(server.status, "ACTIVE", f"status of server {name}")
    checks.append("both servers ACTIVE")

    assert outputs["wordpress_private_ip"] in server_addresses(conn, servers["wordpress"]).get(
        "frontend", []
    ), "wordpress is not on the frontend network with its exported address"
    assert outputs["mysql_private_ip"] in server_addresses(conn, servers["mysql"]).get(
        "backend", []
    ), "mysql is not on the backend network with its exported address"
    checks.append("wordpress on frontend, mysql on backend, at the exported addresses")

    volume = conn.block_storage.get_volume(outputs["mysql_volume_id"])
    expect(volume.status, "in-use", "status of the database volume")
    attached_to = {attachment["server_id"] for attachment in volume.attachments}
    expect(attached_to, {servers["mysql"]}, "servers the database volume is attached to")
    expect(volume.size, int(answers["db_volume_size"]), "size of the database volume")
    checks.append("database volume in-use, attached to mysql only")

    groups = {name: deployed.id_of(SECGROUP, name) for name in ("web", "db")}
    expect(ingress_rules(conn, groups["db"]), [("tcp", 3306, 3306, frontend)], "db ingress")
    expect(
        ingress_rules(conn, groups["web"]),
        [("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")],
        "web ingress",
    )
    checks.append(f"db admits 3306 from {frontend} only; web admits 80 and 443; no SSH")

    for node, group in (("wordpress", "web"), ("mysql", "db")):
        port = conn.network.get_port(deployed.id_of(PORT, node))
        expect(port.security_group_ids, [groups[group]], f"security groups of the {node} port")
    checks.append("each port carries exactly its tier's security group")

    floating = list(conn.network.ips(floating_ip_address=outputs["wordpress_public_ip"]))
    expect([ip.port_id for ip in floating], [deployed.id_of(PORT, "wordpress")], "floating IP port")
    expect(list(conn.network.ips(port_id=deployed.id_of(PORT, "mysql"))), [], "mysql floating IPs")
    checks.append("the floating IP is on wordpress; mysql has none")
    return checks
