"""The range's resource graph: isolation, firewalls, images and one server per VM."""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from components.offline import OfflineError, OfflineRun, Secret, reveal, run_offline

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
GROUP = "openstack:networking/secGroup:SecGroup"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
ROUTER_INTERFACE = "openstack:networking/routerInterface:RouterInterface"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
IMAGE = "openstack:images/image:Image"
KEYPAIR = "openstack:compute/keypair:Keypair"
LAB_GROUPS = ("lab", "jump-lab")


def items(config: dict[str, str], key: str) -> list[dict[str, Any]]:
    value = config[key]
    parsed: list[dict[str, Any]] = json.loads(value) if isinstance(value, str) else value
    return parsed


def expected_vms(config: dict[str, str]) -> dict[str, str]:
    """name -> role of every lab server the vms config asks for."""
    names = {}
    for vm in items(config, "vms"):
        count = int(vm.get("count", 1))
        for index in range(count):
            names[vm["name"] if count == 1 else f"{vm['name']}-{index + 1}"] = vm["role"]
    return names


def lab_ports(run: OfflineRun) -> list[Any]:
    lab = run.named(NETWORK, "lab").id
    return [port for port in run.of_type(PORT) if port.inputs["networkId"] == lab]


def rules_of(run: OfflineRun, group: str) -> list[dict[str, Any]]:
    group_id = run.named(GROUP, group).id
    return [r.inputs for r in run.of_type(RULE) if r.inputs["securityGroupId"] == group_id]


def test_one_server_per_vm_and_the_jump_host(deployed: OfflineRun, config: dict[str, str]) -> None:
    roles = {r.name: r.inputs["metadata"]["osbp-role"] for r in deployed.of_type(INSTANCE)}
    assert roles == {**expected_vms(config), "jump": "jump"}


def test_counts_per_type(deployed: OfflineRun, config: dict[str, str]) -> None:
    vms = len(expected_vms(config))
    public = config["jumpPublicIp"] in (True, "true")
    counts = Counter(r.type for r in deployed.resources if r.custom)
    assert counts[INSTANCE] == vms + 1
    assert counts[PORT] == vms + 2, "one port per lab VM, two for the jump host"
    assert counts[IMAGE] == len(items(config, "images"))
    assert counts[KEYPAIR] == 1
    assert counts[NETWORK] == 2 and counts[SUBNET] == 2
    assert counts[ROUTER_INTERFACE] == 1
    assert counts[FLOATING_IP] == counts[ASSOCIATE] == (1 if public else 0)
    assert counts[GROUP] == 3


def test_the_lab_subnet_has_no_router_and_no_gateway(deployed: OfflineRun) -> None:
    lab_subnet = deployed.named(SUBNET, "lab")
    assert lab_subnet.inputs["noGateway"] is True
    assert lab_subnet.outputs["gatewayIp"] == ""
    attached = {r.inputs["subnetId"] for r in deployed.of_type(ROUTER_INTERFACE)}
    assert attached == {deployed.named(SUBNET, "management").id}


def test_the_lab_network_is_not_shared_and_keeps_port_security(deployed: OfflineRun) -> None:
    lab = deployed.named(NETWORK, "lab")
    assert not lab.inputs.get("shared") and lab.outputs["shared"] is False
    assert lab.inputs.get("portSecurityEnabled") in (None, True)
    for port in lab_ports(deployed):
        assert port.inputs.get("portSecurityEnabled") in (None, True)


def test_provider_type_only_with_admin_rights(
    deployed: OfflineRun, config: dict[str, str], project_dir: Path
) -> None:
    segments = deployed.named(NETWORK, "lab").inputs.get("segments")
    if config["adminRights"] in (True, "true"):
        assert segments == [{"networkType": "vxlan"}]
    else:
        assert not segments
    flipped = "false" if config["adminRights"] in (True, "true") else "true"
    other = run_offline(project_dir, config={"adminRights": flipped})
    assert bool(other.named(NETWORK, "lab").inputs.get("segments")) == (flipped == "true")


def test_no_floating_ip_on_a_lab_port(deployed: OfflineRun) -> None:
    lab = {port.id for port in lab_ports(deployed)}
    assert lab, "the lab has ports"
    for association in deployed.of_type(ASSOCIATE):
        assert association.inputs["portId"] not in lab
        assert association.inputs["portId"] == deployed.named(PORT, "jump").id
    for address in deployed.of_type(FLOATING_IP):
        assert address.inputs.get("portId") in (None, "")


def test_lab_ports_carry_only_the_lab_groups(deployed: OfflineRun) -> None:
    lab_ids = {deployed.named(GROUP, name).id for name in LAB_GROUPS}
    for port in lab_ports(deployed):
        groups = port.inputs["securityGroupIds"]
        assert groups and set(groups) <= lab_ids, f"{port.name}: {groups}"
        assert port.outputs["allSecurityGroupIds"] == groups, "Neutron's default group never"


def test_strict_mode_keeps_lab_traffic_inside_the_lab(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    lab = ipaddress.IPv4Network(config["labCidr"])
    strict = config["strictEgress"] in (True, "true")
    for name in LAB_GROUPS:
        group = deployed.named(GROUP, name)
        assert bool(group.inputs.get("deleteDefaultRules")) == strict
        for rule in rules_of(deployed, name):
            assert ipaddress.IPv4Network(rule["remoteIpPrefix"]).subnet_of(lab), rule
        egress = [r for r in rules_of(deployed, name) if r["direction"] == "egress"]
        assert [r["remoteIpPrefix"] for r in egress] == [str(lab)]


def test_jump_host_ssh_follows_the_admin_cidr(
    deployed: OfflineRun, config: dict[str, str], project_dir: Path
) -> None:
    admin = config["adminCidr"]
    assert [(r["portRangeMin"], r["remoteIpPrefix"]) for r in rules_of(deployed, "jump-admin")] == (
        [(22, admin)] if admin else []
    )
    opened = run_offline(project_dir, config={"adminCidr": "198.51.100.0/24"})
    assert [r["remoteIpPrefix"] for r in rules_of(opened, "jump-admin")] == ["198.51.100.0/24"]


def test_the_world_needs_the_override(project_dir: Path) -> None:
    with pytest.raises(OfflineError, match="adminCidr: 0.0.0.0/0 opens it to the whole Internet"):
        run_offline(project_dir, config={"adminCidr": "0.0.0.0/0"})
    opened = run_offline(
        project_dir, config={"adminCidr": "0.0.0.0/0", "allowSshFromAnywhere": "true"}
    )
    assert [r["remoteIpPrefix"] for r in rules_of(opened, "jump-admin")] == ["0.0.0.0/0"]


def test_jump_host_has_a_port_on_each_network(deployed: OfflineRun, config: dict[str, str]) -> None:
    jump = deployed.named(INSTANCE, "jump")
    ports = [network["port"] for network in jump.inputs["networks"]]
    assert ports == [deployed.named(PORT, "jump").id, deployed.named(PORT, "jump-1").id]
    lab_leg = deployed.named(PORT, "jump-1")
    first_host = str(ipaddress.ip_network(config["labCidr"]).network_address + 1)
    assert lab_leg.outputs["allFixedIps"] == [first_host]
    assert deployed.outputs["jump_lab_ip"] == first_host
    assert deployed.named(PORT, "jump").inputs["networkId"] == deployed.named(
        NETWORK, "management"
    ).id


def test_lab_servers_boot_from_a_config_drive(deployed: OfflineRun, config: dict[str, str]) -> None:
    for name in expected_vms(config):
        assert deployed.named(INSTANCE, name).inputs["configDrive"] is True


def test_each_vm_boots_its_image(deployed: OfflineRun, config: dict[str, str]) -> None:
    uploaded = {image["name"] for image in items(config, "images")}
    for vm in items(config, "vms"):
        for name, role in expected_vms({"vms": json.dumps([vm])}).items():
            instance = deployed.named(INSTANCE, name)
            assert instance.inputs["metadata"]["osbp-role"] == role
            if vm["image"] in uploaded:
                assert instance.inputs["imageId"] == deployed.named(IMAGE, vm["image"]).id
            else:
                assert instance.inputs["imageId"] == deployed.named(
                    "pulumi:index:Stash", f"{name}-image"
                ).outputs["output"]


def test_images_carry_the_pentest_hardware_properties(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    for image in items(config, "images"):
        uploaded = deployed.named(IMAGE, image["name"])
        properties = uploaded.inputs["properties"]
        assert properties["hw_vif_model"] == image.get("vif_model", "e1000")
        assert properties["hw_disk_bus"] == image.get("disk_bus", "sata")
        assert properties["hw_video_model"] == image.get("video_model", "vga")
        assert uploaded.inputs["diskFormat"] == image.get("disk_format", "qcow2")
        assert uploaded.inputs["containerFormat"] == image.get("container_format", "bare")
        if image.get("url"):
            assert uploaded.inputs["imageSourceUrl"] == image["url"]
            assert uploaded.inputs["webDownload"] is True
        else:
            assert uploaded.inputs["localFilePath"] == image["file"]


def test_fixed_addresses_follow_the_config(deployed: OfflineRun, config: dict[str, str]) -> None:
    lab = ipaddress.ip_network(config["labCidr"])
    for vm in items(config, "vms"):
        names = list(expected_vms({"vms": json.dumps([vm])}))
        for index, name in enumerate(names):
            (address,) = deployed.named(PORT, name).outputs["allFixedIps"]
            assert ipaddress.ip_address(address) in lab
            if vm.get("fixed_ip"):
                assert address == str(ipaddress.ip_address(vm["fixed_ip"]) + index)
            else:
                assert int(ipaddress.ip_address(address)) - int(lab.network_address) > 16


def test_every_server_carries_the_generated_key_pair(deployed: OfflineRun) -> None:
    (keypair,) = deployed.of_type(KEYPAIR)
    assert not keypair.inputs.get("publicKey"), "Nova generates it"
    for instance in deployed.of_type(INSTANCE):
        assert instance.inputs["keyPair"] == keypair.outputs["name"]


def test_outputs_describe_the_lab(deployed: OfflineRun, config: dict[str, str]) -> None:
    hosts = deployed.outputs["lab_hosts"]
    assert {name: host["role"] for name, host in hosts.items()} == expected_vms(config)
    for name, host in hosts.items():
        assert [host["address"]] == deployed.named(PORT, name).outputs["allFixedIps"]
    urns = deployed.outputs["lab_instance_urns"]
    assert urns == {name: deployed.named(INSTANCE, name).urn for name in hosts}
    assert isinstance(deployed.outputs["lab_private_key"], Secret)
    assert "PRIVATE KEY" in str(reveal(deployed.outputs["lab_private_key"]))
    assert deployed.outputs["lab_user"] == config["labUser"]


def test_bad_plans_stop_the_program(project_dir: Path, config: dict[str, str]) -> None:
    lab = ipaddress.ip_network(config["labCidr"])
    last = str(lab.broadcast_address - 1)
    vms = [{"name": "wide", "role": "target", "image": "debian-12", "count": 2, "fixed_ip": last}]
    with pytest.raises(OfflineError, match=f"is outside {lab}"):
        run_offline(project_dir, config={"vms": json.dumps(vms)})
    jump = str(lab.network_address + 1)
    vms = [{"name": "taken", "role": "target", "image": "debian-12", "fixed_ip": jump}]
    with pytest.raises(OfflineError, match="the jump host's"):
        run_offline(project_dir, config={"vms": json.dumps(vms)})
