"""What each node's rendered cloud-config does: the jump host's key and inventory, the lab
VMs' proxy and egress firewall, the services of the targets and the attacker's tools."""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml

from components.offline import OfflineRun, reveal

INSTANCE = "openstack:compute/instance:Instance"
SERVICE_PACKAGES = {"http": "apache2", "ftp": "vsftpd"}


def cloud_config(run: OfflineRun, node: str) -> dict[str, Any]:
    document = yaml.safe_load(str(reveal(run.named(INSTANCE, node).inputs["userData"])))
    assert isinstance(document, dict)
    return document


def written(config: dict[str, Any], path: str) -> dict[str, Any]:
    (entry,) = [f for f in config["write_files"] if f["path"] == path]
    assert isinstance(entry, dict)
    return entry


def decoded(entry: dict[str, Any]) -> str:
    assert entry["encoding"] == "b64"
    return base64.b64decode(entry["content"]).decode()


def lab_servers(run: OfflineRun) -> dict[str, str]:
    return {name: host["role"] for name, host in run.outputs["lab_hosts"].items()}


def test_the_private_key_reaches_the_jump_host_only_root_readable(deployed: OfflineRun) -> None:
    key = str(reveal(deployed.outputs["lab_private_key"]))
    assert key.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    entry = written(cloud_config(deployed, "jump"), "/root/.ssh/lab_key")
    assert (entry["permissions"], entry["owner"]) == ("0600", "root:root")
    assert decoded(entry) == key
    for name in lab_servers(deployed):
        assert "PRIVATE KEY" not in str(reveal(deployed.named(INSTANCE, name).inputs["userData"]))
        assert base64.b64encode(key.encode()).decode()[:40] not in str(
            reveal(deployed.named(INSTANCE, name).inputs["userData"])
        )


def test_the_jump_host_inventory_lists_every_lab_vm(deployed: OfflineRun) -> None:
    config = cloud_config(deployed, "jump")
    hosts = decoded(written(config, "/etc/ansible/hosts"))
    for name, host in deployed.outputs["lab_hosts"].items():
        assert f"{name} ansible_host={host['address']}\n" in hosts
    assert "ansible_ssh_private_key_file=/root/.ssh/lab_key" in hosts
    assert {"ansible-core", "apt-cacher-ng"} <= set(config["packages"])
    assert "- name: Every lab VM answers" in decoded(written(config, "/etc/ansible/site.yml"))


def test_the_apt_proxy_listens_on_the_lab_leg(deployed: OfflineRun) -> None:
    proxy = written(cloud_config(deployed, "jump"), "/etc/apt-cacher-ng/zz-cyber-lab.conf")
    assert f"BindAddress: {deployed.outputs['jump_lab_ip']} 127.0.0.1\n" in proxy["content"]
    assert "Port: 3142\n" in proxy["content"]


def test_lab_vms_use_the_proxy_and_the_lab_key(deployed: OfflineRun) -> None:
    public_key = deployed.of_type("openstack:compute/keypair:Keypair")[0].outputs["publicKey"]
    for name in lab_servers(deployed):
        config = cloud_config(deployed, name)
        assert config["apt"] == {"proxy": f"http://{deployed.outputs['jump_lab_ip']}:3142"}
        assert config["ssh_authorized_keys"] == [public_key]
        wait = "/dev/tcp/" + deployed.outputs["jump_lab_ip"]
        assert any(wait in str(command) for command in config["bootcmd"])


def test_lab_vms_let_nothing_out_but_to_the_lab(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    for name in lab_servers(deployed):
        node = cloud_config(deployed, name)
        script = written(node, "/usr/local/sbin/cyber-lab-egress")["content"]
        assert "policy drop;" in script
        accepted = [line.strip() for line in script.splitlines() if line.strip().endswith("accept")]
        assert [line for line in accepted if "daddr" in line] == [
            f"ip daddr {config['labCidr']} accept"
        ]
        assert ["/usr/local/sbin/cyber-lab-egress"] in node["runcmd"]


def test_targets_expose_the_configured_services(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    services = config["targetServices"]
    wanted = json.loads(services) if isinstance(services, str) else services
    for name, role in lab_servers(deployed).items():
        packages = set(cloud_config(deployed, name)["packages"])
        for service, package in SERVICE_PACKAGES.items():
            expected = role == "target" and service in wanted
            assert (package in packages) == expected, (name, package)
        if role == "attacker":
            assert {"nmap", "curl", "netcat-openbsd"} <= packages
        else:
            assert "nmap" not in packages and "openssh-server" in packages
