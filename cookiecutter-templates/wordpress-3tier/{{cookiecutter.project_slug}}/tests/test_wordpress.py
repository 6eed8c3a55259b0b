"""The resource graph and node configuration of the WordPress 3-tier stack."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
import yaml
from engine_options import OptionsMonitor, recording_options

from components.offline import OfflineRun, Secret, reveal, run_offline
from components.server import stable_device_path

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
SUBNET = "openstack:networking/subnet:Subnet"
VOLUME = "openstack:blockstorage/volume:Volume"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
PASSWORD = "random:index/randomPassword:RandomPassword"
STASH = "pulumi:index:Stash"


@pytest.fixture(scope="module")
def engine(project_dir: Path) -> OptionsMonitor:
    """The `pulumi up` run again, with each resource's options as the engine gets them."""
    with recording_options() as monitors:
        run_offline(project_dir)
    (monitor,) = monitors
    return monitor


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


def test_only_wordpress_gets_a_floating_ip(deployed: OfflineRun, config: dict[str, str]) -> None:
    (association,) = deployed.of_type(
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
    )
    assert association.inputs["portId"] == deployed.named(PORT, "wordpress").id
    host = config["siteHostname"] or deployed.outputs["wordpress_public_ip"]
    assert deployed.outputs["site_url"] == f"http://{host}/"


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
    assert previewed.outputs["wordpress_public_ip"] == "(known after apply)"
    if not config["siteHostname"]:
        assert previewed.outputs["site_url"] == "(known after apply)"


def test_what_each_stack_creates_once(deployed: OfflineRun) -> None:
    counts = {
        INSTANCE: 2,
        PORT: 2,
        VOLUME: 1,
        ATTACH: 1,
        SUBNET: 2,
        PASSWORD: 3,
        STASH: 2,
        "openstack:networking/floatingIp:FloatingIp": 1,
        "openstack:networking/routerInterface:RouterInterface": 2,
    }
    assert {kind: len(deployed.of_type(kind)) for kind in counts} == counts


def test_servers_are_replaced_without_a_manual_step(engine: OptionsMonitor) -> None:
    """A new user data, key or flavor frees the port and the volume before the new server."""
    for node in ("mysql", "wordpress"):
        assert engine.named(INSTANCE, node).delete_before_replace
        assert "flavorName" in engine.named(INSTANCE, node).replace_on_changes
    attachment = engine.named(ATTACH, "mysql-data")
    assert attachment.delete_before_replace
    assert attachment.deleted_with == engine.named(INSTANCE, "mysql").urn


def test_the_database_volume_alone_is_protected(
    engine: OptionsMonitor, config: dict[str, str]
) -> None:
    protect = config["protectData"] == "true"
    assert engine.named(VOLUME, "mysql-data").protect is protect
    others = [o for o in engine.options.values() if o.type != VOLUME]
    assert not any(o.protect for o in others), "a protected server could not be replaced"


def test_protection_follows_the_stack_setting(project_dir: Path) -> None:
    with recording_options() as monitors:
        run_offline(project_dir, config={"protectData": "false"})
    assert not monitors[0].named(VOLUME, "mysql-data").protect


def test_servers_boot_an_image_pinned_at_first_boot(
    deployed: OfflineRun, engine: OptionsMonitor, config: dict[str, str]
) -> None:
    for node in ("mysql", "wordpress"):
        pin = deployed.named(STASH, f"{node}-image")
        assert engine.named(STASH, f"{node}-image").replacement_trigger == config["image"]
        instance = deployed.named(INSTANCE, node)
        assert instance.inputs["imageId"] == pin.outputs["output"]
        assert "imageName" not in instance.inputs


def test_names_carry_project_and_stack(deployed: OfflineRun) -> None:
    prefix = f"{deployed.project}-{deployed.stack}-"
    for kind, name in (
        (INSTANCE, "mysql"),
        (INSTANCE, "wordpress"),
        (VOLUME, "mysql-data"),
        (SUBNET, "frontend"),
        ("openstack:networking/secGroup:SecGroup", "db"),
        ("openstack:networking/router:Router", "edge"),
    ):
        assert deployed.named(kind, name).inputs["name"] == prefix + name


def test_a_new_key_means_a_new_key_pair_and_new_servers(project_dir: Path) -> None:
    """Nova copies the key at boot: the key pair's name follows the key, the servers follow it."""
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGUta2V5LWZvci10ZXN0cy1vbmx5LTAwMDA t@e"
    names = []
    for public_key in (key, key.replace("AAAAIG", "AAAAIH")):
        run = run_offline(project_dir, config={"publicKey": public_key})
        keypair = run.named("openstack:compute/keypair:Keypair", "admin")
        assert keypair.inputs["name"].startswith(f"{run.project}-{run.stack}-admin-")
        for node in ("mysql", "wordpress"):
            assert run.named(INSTANCE, node).inputs["keyPair"] == keypair.inputs["name"]
        names.append(keypair.inputs["name"])
    assert names[0] != names[1]


def test_the_administrator_password_is_a_generated_secret(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    password = deployed.named(PASSWORD, "wordpress-admin-password").outputs["result"]
    assert deployed.outputs["admin_user"] == config["adminUser"]
    exported = deployed.outputs["admin_password"]
    assert isinstance(exported, Secret)
    assert reveal(exported) == reveal(password)
    others = {key: value for key, value in deployed.outputs.items() if key != "admin_password"}
    assert str(reveal(password)) not in repr(others)


def test_the_floating_ip_exists_before_the_wordpress_server(project_dir: Path) -> None:
    """Without a host name the site's URL is its floating IP: the user data needs it."""
    run = run_offline(project_dir, config={"siteHostname": ""})
    floating_ip = run.named("openstack:networking/floatingIp:FloatingIp", "wordpress")
    wordpress = run.named(INSTANCE, "wordpress")
    assert floating_ip.urn in wordpress.property_dependencies["userData"]
    assert run.outputs["site_url"] == f"http://{floating_ip.outputs['address']}/"


def test_the_site_url_follows_the_site_hostname(project_dir: Path) -> None:
    run = run_offline(project_dir, config={"siteHostname": "blog.example.org"})
    assert run.outputs["site_url"] == "http://blog.example.org/"
