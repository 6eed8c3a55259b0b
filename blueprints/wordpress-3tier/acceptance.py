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
    from e2e.cloud import ingress_rules, server_addresses

    frontend = answers.get("frontend_cidr", "10.0.1.0/24")
    outputs = deployed.outputs
    checks = []
    servers = {name: deployed.id_of(INSTANCE, name) for name in ("wordpress", "mysql")}
    for name, server_id in servers.items():
        server = conn.compute.get_server(server_id)
        assert server.status == "ACTIVE", f"{name} is {server.status}"
    checks.append("both servers ACTIVE")

    assert outputs["wordpress_private_ip"] in server_addresses(conn, servers["wordpress"]).get(
        "frontend", []
    ), "wordpress is not on the frontend network with its exported address"
    assert outputs["mysql_private_ip"] in server_addresses(conn, servers["mysql"]).get(
        "backend", []
    ), "mysql is not on the backend network with its exported address"
    checks.append("wordpress on frontend, mysql on backend, at the exported addresses")

    volume = conn.block_storage.get_volume(outputs["mysql_volume_id"])
    assert volume.status == "in-use", f"volume is {volume.status}"
    attached_to = {attachment["server_id"] for attachment in volume.attachments}
    assert attached_to == {servers["mysql"]}, f"volume attached to {attached_to}"
    assert volume.size == int(answers["db_volume_size"])
    checks.append("database volume in-use, attached to mysql only")

    groups = {name: deployed.id_of(SECGROUP, name) for name in ("web", "db")}
    assert ingress_rules(conn, groups["db"]) == [("tcp", 3306, 3306, frontend)]
    assert ingress_rules(conn, groups["web"]) == [
        ("tcp", 443, 443, "0.0.0.0/0"),
        ("tcp", 80, 80, "0.0.0.0/0"),
    ]
    checks.append(f"db admits 3306 from {frontend} only; web admits 80 and 443; no SSH")

    for node, group in (("wordpress", "web"), ("mysql", "db")):
        port = conn.network.get_port(deployed.id_of(PORT, node))
        assert port.security_group_ids == [groups[group]], (
            f"{node} port has {port.security_group_ids}"
        )
    checks.append("each port carries exactly its tier's security group")

    floating = list(conn.network.ips(floating_ip_address=outputs["wordpress_public_ip"]))
    assert len(floating) == 1 and floating[0].port_id == deployed.id_of(PORT, "wordpress")
    assert not list(conn.network.ips(port_id=deployed.id_of(PORT, "mysql")))
    checks.append("the floating IP is on wordpress; mysql has none")
    return checks
