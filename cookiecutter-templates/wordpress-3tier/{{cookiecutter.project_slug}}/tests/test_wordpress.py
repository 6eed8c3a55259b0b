"""The resource graph and node configuration of the WordPress 3-tier stack."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import yaml

from components.offline import OfflineRun, Secret, reveal, run_offline
from components.server import stable_device_path

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
SUBNET = "openstack:networking/subnet:Subnet"
VOLUME = "openstack:blockstorage/volume:Volume"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
PASSWORD = "random:index/randomPassword:RandomPassword"


def user_data(run: OfflineRun, name: str) -> str:
    text = run.named(INSTANCE, name).inputs["userData"]
    assert isinstance(text, Secret), "user data carries a password: it must be secret"
    return str(reveal(text))


def db_password(run: OfflineRun) -> str:
    return str(reveal(run.named(PASSWORD, "db-password").outputs["result"]))


def ingress(run: OfflineRun) -> list[tuple[str, int, str]]:
    """(security group, port, source) of every rule."""
    groups = {r.id: r.name for r in run.of_type("openstack:networking/secGroup:SecGroup")}
    return sorted(
        (groups[r.inputs["securityGroupId"]], r.inputs["portRangeMin"], r.inputs["remoteIpPrefix"])
        for r in run.of_type(RULE)
    )


def test_two_nodes_with_their_roles(deployed: OfflineRun) -> None:
    roles = {r.name: r.inputs["metadata"]["osbp-role"] for r in deployed.of_type(INSTANCE)}
    assert roles == {"mysql": "mysql", "wordpress": "wordpress"}


def test_database_volume_is_attached_to_the_mysql_node(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    (attachment,) = deployed.of_type(ATTACH)
    volume = deployed.named(VOLUME, "mysql-data")
    assert attachment.inputs["volumeId"] == volume.id
    assert attachment.inputs["instanceId"] == deployed.named(INSTANCE, "mysql").id
    assert volume.inputs["size"] == int(config["dbVolumeSize"])


def test_firewall_admits_only_the_drawn_flows(deployed: OfflineRun, config: dict[str, str]) -> None:
    admin = config["adminCidr"]
    ssh = [("db", 22, admin), ("web", 22, admin)] if admin else []
    assert ingress(deployed) == sorted(
        [
            ("db", 3306, config["frontendCidr"]),
            ("web", 80, "0.0.0.0/0"),
            ("web", 443, "0.0.0.0/0"),
            *ssh,
        ]
    )


def test_ssh_opens_only_to_the_admin_network(project_dir: Path) -> None:
    run = run_offline(project_dir, config={"adminCidr": "192.0.2.0/24"})
    ssh = [rule for rule in ingress(run) if rule[1] == 22]
    assert ssh == [("db", 22, "192.0.2.0/24"), ("web", 22, "192.0.2.0/24")]


def test_each_tier_sits_on_its_own_subnet(deployed: OfflineRun, config: dict[str, str]) -> None:
    for node, cidr in (("wordpress", config["frontendCidr"]), ("mysql", config["backendCidr"])):
        port = deployed.named(PORT, node)
        subnet = deployed.by_id(port.inputs["fixedIps"][0]["subnetId"])
        assert subnet.inputs["cidr"] == cidr
        (address,) = port.outputs["allFixedIps"]
        assert ipaddress.ip_address(address) in ipaddress.ip_network(cidr)
        assert deployed.named(INSTANCE, node).inputs["networks"] == [{"port": port.id}]


def test_only_wordpress_gets_a_floating_ip(deployed: OfflineRun) -> None:
    (association,) = deployed.of_type(
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
    )
    assert association.inputs["portId"] == deployed.named(PORT, "wordpress").id
    assert deployed.outputs["site_url"] == f"http://{deployed.outputs['wordpress_public_ip']}/"


def test_node_configuration_is_fully_rendered(deployed: OfflineRun) -> None:
    for node in ("mysql", "wordpress"):
        text = user_data(deployed, node)
        assert text.startswith("#cloud-config\n")
        assert "Calling __str__ on an Output" not in text
        assert "${" not in text
        assert isinstance(yaml.safe_load(text), dict)


def test_mysql_node_keeps_its_data_on_the_volume(deployed: OfflineRun) -> None:
    config = yaml.safe_load(user_data(deployed, "mysql"))
    device = stable_device_path(deployed.named(VOLUME, "mysql-data").id or "")
    assert device in config["disk_setup"]
    assert config["fs_setup"][0]["device"] == device
    mount = config["mounts"][0]
    assert mount[1] == "/srv/mysql"
    mysql_ip = deployed.outputs["mysql_private_ip"]
    server_conf = config["write_files"][0]["content"]
    assert "datadir      = /srv/mysql/data" in server_conf
    assert f"bind-address = {mysql_ip}" in server_conf


def test_database_account_is_limited_to_the_frontend_subnet(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    sql = yaml.safe_load(user_data(deployed, "mysql"))["write_files"][1]
    assert sql["permissions"] == "0600"
    subnet = ipaddress.ip_network(config["frontendCidr"])
    account = f"'wordpress'@'{subnet.network_address}/{subnet.netmask}'"
    assert f"{account} IDENTIFIED BY '{db_password(deployed)}'" in sql["content"]


def test_wordpress_reaches_the_database_with_the_generated_password(deployed: OfflineRun) -> None:
    config = yaml.safe_load(user_data(deployed, "wordpress"))
    (wp_config,) = [f for f in config["write_files"] if f["path"].startswith("/etc/wordpress/")]
    assert wp_config["permissions"] == "0640"
    assert f"define('DB_HOST', '{deployed.outputs['mysql_private_ip']}');" in wp_config["content"]
    assert f"define('DB_PASSWORD', '{db_password(deployed)}');" in wp_config["content"]


def test_passwords_never_leave_the_secrets(deployed: OfflineRun, project_dir: Path) -> None:
    password = db_password(deployed)
    assert isinstance(deployed.named(PASSWORD, "db-password").outputs["result"], Secret)
    assert password not in repr(deployed.outputs)
    config_files = [p for p in project_dir.iterdir() if p.is_file()]
    assert all(password not in p.read_text(encoding="utf-8") for p in config_files)


def test_preview_leaves_cloud_computed_values_unknown(
    previewed: OfflineRun, config: dict[str, str]
) -> None:
    assert previewed.outputs["site_url"] == "(known after apply)"
    assert previewed.named(INSTANCE, "wordpress").inputs["imageName"] == config["image"]
