"""What each node's rendered cloud-config does on day one and on a replacement."""

from __future__ import annotations

import ipaddress
from typing import Any

import yaml

from components.offline import OfflineRun, reveal

INSTANCE = "openstack:compute/instance:Instance"
PASSWORD = "random:index/randomPassword:RandomPassword"


def cloud_config(run: OfflineRun, node: str) -> dict[str, Any]:
    document = yaml.safe_load(str(reveal(run.named(INSTANCE, node).inputs["userData"])))
    assert isinstance(document, dict)
    return document


def secret(run: OfflineRun, name: str) -> str:
    return str(reveal(run.named(PASSWORD, name).outputs["result"]))


def written(config: dict[str, Any], path: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [f for f in config["write_files"] if f["path"] == path]
    assert len(entries) == 1, path
    return entries[0]


def test_database_never_falls_back_to_the_root_disk(deployed: OfflineRun) -> None:
    config = cloud_config(deployed, "mysql")
    (mount,) = config["mounts"]
    assert mount[1] == "/srv/mysql" and "nofail" not in mount[3]
    runcmd = config["runcmd"]
    assert runcmd[0] == "set -e"
    guard = runcmd[1][-1]
    assert 'findmnt -no SOURCE /srv/mysql' in guard and "exit 1" in guard
    creates = [i for i, c in enumerate(runcmd) if c[:2] == ["install", "-d"]]
    assert creates and min(creates) > 1, "nothing is created under /srv/mysql before the guard"
    unit = written(config, "/etc/systemd/system/mariadb.service.d/60-data-volume.conf")
    assert "RequiresMountsFor=/srv/mysql" in unit["content"]


def test_a_changed_password_reaches_mariadb(deployed: OfflineRun, config: dict[str, str]) -> None:
    sql = written(cloud_config(deployed, "mysql"), "/root/wordpress-db.sql")
    password = secret(deployed, "db-password")
    subnet = ipaddress.ip_network(config["frontendCidr"])
    account = f"'wordpress'@'{subnet.network_address}/{subnet.netmask}'"
    assert f"ALTER USER {account} IDENTIFIED BY '{password}';" in sql["content"]
    assert sql["permissions"] == "0600"


def test_site_is_installed_at_boot_with_the_generated_administrator(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    admin = f"'{config['adminUser']}', '{config['adminEmail']}'"
    user_data = cloud_config(deployed, "wordpress")
    installer = written(user_data, "/root/wordpress-install.php")
    assert installer["permissions"] == "0600"
    password = secret(deployed, "wordpress-admin-password")
    assert f"wp_slash('{password}')" in installer["content"]
    assert f"wp_install('WordPress', {admin}" in installer["content"]
    assert user_data["runcmd"][-1][-1].startswith(
        "trap 'shred -u /root/wordpress-install.php' EXIT"
    )
    wp_config = written(user_data, "/etc/wordpress/config-default.php")["content"]
    assert "define('WP_HOME', 'http" in wp_config


def test_https_is_served_with_a_certificate_made_on_the_node(deployed: OfflineRun) -> None:
    config = cloud_config(deployed, "wordpress")
    vhosts = written(config, "/etc/apache2/sites-available/wordpress.conf")["content"]
    assert "<VirtualHost *:443>" in vhosts and "SSLEngine on" in vhosts
    assert ["make-ssl-cert", "generate-default-snakeoil", "--force-overwrite"] in config["runcmd"]
    assert ["a2enmod", "ssl"] in config["runcmd"]


def test_each_secret_reaches_only_the_nodes_that_use_it(deployed: OfflineRun) -> None:
    mysql = str(reveal(deployed.named(INSTANCE, "mysql").inputs["userData"]))
    web = str(reveal(deployed.named(INSTANCE, "wordpress").inputs["userData"]))
    for name in ("wordpress-admin-password", "wordpress-salt"):
        assert secret(deployed, name) in web and secret(deployed, name) not in mysql
    assert secret(deployed, "db-password") in web and secret(deployed, "db-password") in mysql
