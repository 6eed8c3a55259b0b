"""Branch stacks: whose branch it is, and the environment VM in that developer's project.

A branch stack starts from the team stack's config (``pulumi stack init
--copy-config-from team``, as the CI does): see ``stack_kinds``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import yaml
from stack_kinds import AsStack, as_stack, team_run

from branches import BranchError, developer_of
from components.offline import OfflineError, OfflineRun, reveal

__all__ = ["as_stack", "team_run"]  # fixtures

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
VOLUME = "openstack:blockstorage/volume:Volume"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
KEYPAIR = "openstack:compute/keypair:Keypair"
FLOATING_IP = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"


@pytest.fixture(scope="module")
def branch(as_stack: AsStack) -> AsStack:
    """``branch(name, **config)``: the branch stack ``name``, as `pulumi up` would create it."""
    return as_stack


@pytest.fixture(scope="module")
def developers(config: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(config["developers"])
    return found


@pytest.fixture(scope="module")
def team(team_run: OfflineRun) -> dict[str, dict[str, str]]:
    ids: dict[str, dict[str, str]] = reveal(team_run.outputs["developers"])
    return ids


def user_data(run: OfflineRun) -> dict[str, Any]:
    document = yaml.safe_load(str(reveal(run.named(INSTANCE, "env").inputs["userData"])))
    assert isinstance(document, dict)
    return document


def test_each_developer_gets_one_environment_on_their_own_network(
    branch: AsStack, developers: list[dict[str, Any]], team: dict[str, dict[str, str]]
) -> None:
    for developer in developers:
        run = branch(f"{developer['name']}-feature-x")
        counts = Counter(r.type for r in run.resources if r.custom)
        assert counts == {
            INSTANCE: 1,
            PORT: 1,
            VOLUME: 1,
            ATTACH: 1,
            KEYPAIR: 1,
            "openstack:networking/floatingIp:FloatingIp": 1,
            FLOATING_IP: 1,
            "pulumi:index:Stash": 1,
            "pulumi:providers:openstack": 1,
        }, "no project, network or security group of its own: those are the team stack's"
        ids = team[developer["name"]]
        port = run.named(PORT, "env").inputs
        assert port["networkId"] == ids["network_id"]
        assert port["fixedIps"] == [{"subnetId": ids["subnet_id"]}]
        assert port["securityGroupIds"] == [ids["security_group_id"]], "never Neutron's default"
        assert run.named(KEYPAIR, "env").inputs["publicKey"] == developer["ssh_public_key"]
        assert run.outputs["developer"] == developer["name"]


def test_the_environment_uses_the_callers_credentials_only(
    branch: AsStack, developers: list[dict[str, Any]]
) -> None:
    run = branch(f"{developers[0]['name']}-creds")
    (provider,) = run.of_type("pulumi:providers:openstack")
    assert "tenantId" not in provider.inputs, "the developer's own cloud (OS_CLOUD), as given"
    assert {r.provider for r in run.resources if r.custom and r.type.startswith("openstack:")} == {
        provider.urn
    }


def test_each_branch_has_its_own_volume_mounted_on_srv_work(
    branch: AsStack, developers: list[dict[str, Any]], config: dict[str, str]
) -> None:
    name = developers[0]["name"]
    first, second = branch(f"{name}-one"), branch(f"{name}-two")
    volumes = [run.named(VOLUME, "env-data") for run in (first, second)]
    assert volumes[0].inputs["name"] != volumes[1].inputs["name"]
    assert all(v.inputs["size"] == int(config["envVolumeSize"]) for v in volumes)
    attach = first.named(ATTACH, "env-data").inputs
    assert attach["volumeId"] == volumes[0].id
    assert first.outputs["volume_id"] == volumes[0].id
    (mount,) = user_data(first)["mounts"]
    assert mount[:2] == ["LABEL=work", "/srv/work"]


def test_the_toolbox_comes_from_the_distribution(
    branch: AsStack, developers: list[dict[str, Any]], config: dict[str, str]
) -> None:
    document = user_data(branch(f"{developers[0]['name']}-toolbox"))
    toolchains = json.loads(config["toolchains"])
    runtime = {"docker": ("docker.io", "docker"), "podman": ("podman", "podman.socket")}
    package, unit = runtime[config["containerRuntime"]]
    assert document["packages"] == ["nftables", "git", package, *(t["package"] for t in toolchains)]
    assert ["systemctl", "enable", "--now", unit] in document["runcmd"]
    (commands,) = [f for f in document["write_files"] if f["path"] == "/etc/devenv/toolchains.json"]
    assert json.loads(commands["content"]) == [t["command"] for t in toolchains]
    assert document["runcmd"][-1] == ["/usr/local/bin/devenv-versions"]
    assert document["ssh_pwauth"] is False


def test_the_environment_is_reached_through_its_floating_ip(
    branch: AsStack, developers: list[dict[str, Any]], config: dict[str, str]
) -> None:
    run = branch(f"{developers[0]['name']}-url")
    address = run.outputs["public_ip"]
    assert run.outputs["environment_url"] == f"ssh://{config['imageUser']}@{address}"
    association = run.named(FLOATING_IP, "env").inputs
    assert association["portId"] == run.named(PORT, "env").id


def test_developer_override_from_ci(branch: AsStack, developers: list[dict[str, Any]]) -> None:
    names = [d["name"] for d in developers]
    assert developer_of("hotfix-login", names, override=names[-1]) == names[-1]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nobody-feature", "branch stack 'nobody-feature' belongs to no developer"),
        ("a" * 64, "64 characters, at most 63"),
        ("Alice-x", "not a branch slug"),
    ],
)
def test_a_branch_that_cannot_be_an_environment_is_refused_in_one_line(
    branch: AsStack, name: str, message: str
) -> None:
    with pytest.raises(OfflineError) as refused:
        branch(name)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_longest_developer_prefix_wins_and_needs_a_rest() -> None:
    assert developer_of("al-x", ["al", "alex"]) == "al"
    assert developer_of("alex-x", ["al", "alex"]) == "alex"
    with pytest.raises(BranchError, match="belongs to no developer"):
        developer_of("alex", ["alex"])
    with pytest.raises(BranchError, match="OSBP_DEVELOPER='zed'"):
        developer_of("alex-x", ["alex"], override="zed")
