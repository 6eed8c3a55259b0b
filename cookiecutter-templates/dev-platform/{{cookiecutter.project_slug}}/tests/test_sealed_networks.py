"""What a sealed network needs from the library: strict egress, multi-homed servers with
fixed addresses and config drives, uploaded images booted as is, a generated key pair."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_options import run_under_mocks

from components import (
    CloudConfig,
    GeneratedKeyPair,
    GlanceImage,
    GlanceImageArgs,
    NetworkRule,
    PortArgs,
    PrivateNetwork,
    PrivateNetworkArgs,
    SecurityGroup,
    SecurityGroupArgs,
    Server,
    ServerArgs,
)
from components.network import allocation_pools
from components.offline import Registration
from components.simulated_cloud import generated_key_pair

LAB = "10.66.0.0/24"


@pytest.fixture(autouse=True)
def engine_loop() -> Iterator[None]:
    """An event loop of its own: offline runs of other tests leave none behind."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    loop.close()


@pytest.fixture
def cloud_config(tmp_path: Path) -> CloudConfig:
    template = tmp_path / "node.yaml"
    template.write_text("#cloud-config\nwrite_files:\n- path: /etc/ip\n  content: ${private_ip}\n")
    return CloudConfig(str(template))


def of_type(registrations: dict[str, Registration], suffix: str) -> list[Registration]:
    return [r for r in registrations.values() if r.type.endswith(suffix)]


def named(registrations: dict[str, Registration], suffix: str, name: str) -> Registration:
    (found,) = [r for r in of_type(registrations, suffix) if r.name == name]
    return found


def test_a_strict_group_drops_neutrons_egress_and_keeps_only_its_rules() -> None:
    def program() -> None:
        SecurityGroup(
            "lab",
            SecurityGroupArgs(
                description="lab",
                ingress=[],
                rules=[NetworkRule("ingress", LAB), NetworkRule("egress", LAB, "tcp", 22)],
                delete_default_rules=True,
            ),
        )

    registrations = run_under_mocks(program).registrations
    assert named(registrations, "secGroup:SecGroup", "lab").inputs["deleteDefaultRules"] is True
    rules = {r.name: r.inputs for r in of_type(registrations, "secGroupRule:SecGroupRule")}
    assert set(rules) == {"lab-ingress-any-from-10.66.0.0-24", "lab-egress-tcp-22-to-10.66.0.0-24"}
    anything = rules["lab-ingress-any-from-10.66.0.0-24"]
    assert anything["direction"] == "ingress" and "protocol" not in anything
    ssh = rules["lab-egress-tcp-22-to-10.66.0.0-24"]
    assert (ssh["direction"], ssh["protocol"], ssh["portRangeMin"]) == ("egress", "tcp", 22)


def test_a_default_group_keeps_neutrons_egress() -> None:
    def program() -> None:
        SecurityGroup("web", SecurityGroupArgs(description="web", ingress=[]))

    registrations = run_under_mocks(program).registrations
    assert "deleteDefaultRules" not in named(registrations, "secGroup:SecGroup", "web").inputs


def test_network_rules_refuse_what_neutron_would() -> None:
    with pytest.raises(ValueError, match="neither ingress nor egress"):
        NetworkRule("sideways", LAB)
    with pytest.raises(ValueError, match="needs a remote CIDR"):
        NetworkRule("egress", "")
    with pytest.raises(ValueError, match="a port needs protocol tcp or udp"):
        NetworkRule("egress", LAB, port=22)


def test_reserved_hosts_stay_out_of_the_allocation_pool() -> None:
    (pool,) = allocation_pools(LAB, routed=False, reserved_hosts=16) or []
    assert (pool.start, pool.end) == ("10.66.0.17", "10.66.0.254")
    (pool,) = allocation_pools(LAB, routed=True, reserved_hosts=4) or []
    assert pool.start == "10.66.0.6"
    assert allocation_pools(LAB, routed=False, reserved_hosts=0) is None
    with pytest.raises(ValueError, match="no address left"):
        allocation_pools("10.66.0.0/29", routed=False, reserved_hosts=6)


def test_a_multi_homed_server_with_fixed_addresses_and_a_config_drive(
    cloud_config: CloudConfig,
) -> None:
    def program() -> None:
        management = PrivateNetwork("management", PrivateNetworkArgs(cidr="10.67.0.0/24"))
        lab = PrivateNetwork("lab", PrivateNetworkArgs(cidr=LAB, reserved_hosts=16))
        group = SecurityGroup("lab", SecurityGroupArgs(description="lab", ingress=[]))
        image = GlanceImage("kali", GlanceImageArgs(local_file="/srv/kali.qcow2"))
        Server(
            "jump",
            ServerArgs(
                role="jump",
                image="kali",
                image_id=image.image_id,
                flavor="m1.small",
                network=management,
                fixed_ip="10.67.0.5",
                security_groups=[group],
                more_ports=[PortArgs(lab, [group], fixed_ip="10.66.0.1")],
                config_drive=True,
                cloud_config=cloud_config,
            ),
        )

    registrations = run_under_mocks(program).registrations
    instance = named(registrations, "instance:Instance", "jump")
    first, second = (
        named(registrations, "port:Port", "jump"),
        named(registrations, "port:Port", "jump-1"),
    )
    assert [n["port"] for n in instance.inputs["networks"]] == [first.id, second.id]
    assert first.outputs["allFixedIps"] == ["10.67.0.5"]
    assert second.outputs["allFixedIps"] == ["10.66.0.1"]
    assert second.inputs["networkId"] == named(registrations, "network:Network", "lab").id
    assert instance.inputs["configDrive"] is True
    assert instance.inputs["imageId"] == named(registrations, "image:Image", "kali").id
    assert not of_type(registrations, "index:Stash"), "an uploaded image needs no pin"
    subnet = named(registrations, "subnet:Subnet", "lab")
    assert subnet.inputs["allocationPools"] == [{"start": "10.66.0.17", "end": "10.66.0.254"}]


def test_a_generated_key_pair_keeps_its_private_half_secret() -> None:
    def program() -> None:
        GeneratedKeyPair("lab")

    registrations = run_under_mocks(program).registrations
    (keypair,) = of_type(registrations, "keypair:Keypair")
    assert "publicKey" not in keypair.inputs, "Nova generates the pair"
    assert keypair.inputs["name"].endswith("-lab")


def test_the_simulated_cloud_generates_a_usable_key_pair(tmp_path: Path) -> None:
    public, private = generated_key_pair("seed")
    assert generated_key_pair("seed") == (public, private), "stable for a stable program"
    assert generated_key_pair("other")[0] != public
    key = tmp_path / "key"
    key.write_text(private)
    key.chmod(0o600)
    derived = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(key)], check=True, capture_output=True, text=True
    ).stdout
    assert derived.split()[:2] == public.split()[:2]
    message = tmp_path / "message"
    message.write_text("signed by the generated key")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", "file", str(message)],
                   check=True, capture_output=True)  # fmt: skip
    allowed = tmp_path / "allowed"
    allowed.write_text("lab " + " ".join(public.split()[:2]) + "\n")
    verified = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", "lab", "-n", "file",
         "-s", f"{message}.sig"],
        input=message.read_text(), capture_output=True, text=True,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
