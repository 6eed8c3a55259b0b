"""The team stack: a project per developer, isolated, with its quotas, network and volume."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from engine_options import OptionsMonitor, recording_options
from stack_kinds import TEAM, AsStack, as_stack, team_run

from components.offline import OfflineRun, Registration, Secret, reveal
from components.simulated_cloud import uid

__all__ = ["as_stack", "team_run"]  # fixtures

PROJECT = "openstack:identity/project:Project"
USER = "openstack:identity/user:User"
GRANT = "openstack:identity/roleAssignment:RoleAssignment"
PROVIDER = "pulumi:providers:openstack"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
NETWORK = "openstack:networking/network:Network"
VOLUME = "openstack:blockstorage/volume:Volume"
COMPUTE_QUOTA = "openstack:compute/quotaSetV2:QuotaSetV2"
NETWORK_QUOTA = "openstack:networking/quotaV2:QuotaV2"
VOLUME_QUOTA = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
IN_DEVELOPER_PROJECT = (
    "openstack:networking/router:Router",
    "openstack:networking/network:Network",
    "openstack:networking/subnet:Subnet",
    "openstack:networking/routerInterface:RouterInterface",
    "openstack:networking/secGroup:SecGroup",
    VOLUME,
)
QUOTAS = (
    "openstack:compute/quotaSetV2:QuotaSetV2",
    "openstack:networking/quotaV2:QuotaV2",
    "openstack:blockstorage/quoteSetV3:QuoteSetV3",
)
"""Set by the operator as an admin of the developer project: Cinder's endpoint is
project-bound, so a system-scoped token cannot reach it."""


@pytest.fixture(scope="module")
def developers(config: dict[str, str]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = json.loads(config["developers"])
    return found


@pytest.fixture(scope="module")
def quotas(config: dict[str, str]) -> dict[str, int]:
    spec = {"instances": 5, "cores": 10, "ram_mb": 16384, "volumes": 10, "gigabytes": 200,
            "networks": 2, "ports": 20, "floating_ips": 5}  # fmt: skip
    return {**spec, **json.loads(config["quotas"])}


@pytest.fixture(scope="module")
def engine(as_stack: AsStack) -> OptionsMonitor:
    """The `pulumi up` run again, with each resource's options as the engine gets them."""
    with recording_options() as monitors:
        as_stack(TEAM)
    (monitor,) = monitors
    return monitor


def role_of(grant: Registration) -> str:
    """The role's name: the simulated cloud's role ids derive from it."""
    names = [n for n in ("admin", "member", "reader") if uid("role", n) == grant.inputs["roleId"]]
    assert len(names) == 1, grant.name
    return names[0]


def test_one_project_user_network_and_volume_per_developer(
    team_run: OfflineRun, developers: list[dict[str, str]]
) -> None:
    counts = Counter(r.type for r in team_run.resources if r.custom)
    new_users = [d for d in developers if not d.get("existing_user")]
    n = len(developers)
    assert counts[PROJECT] == n + 1
    assert counts[USER] == len(new_users)
    assert counts[GRANT] == 3 * n, "member on their own, reader on the team's, the operator's"
    assert counts[PROVIDER] == n + 1, "one scoped to each developer project, and the caller's"
    for kind in (*IN_DEVELOPER_PROJECT, COMPUTE_QUOTA, NETWORK_QUOTA, VOLUME_QUOTA):
        assert counts[kind] == n, kind
    assert counts["openstack:compute/instance:Instance"] == 0, "servers are the branches' job"


def test_developer_projects_sit_under_the_team_project(
    team_run: OfflineRun, developers: list[dict[str, str]]
) -> None:
    team = team_run.named(PROJECT, "team")
    assert "parentId" not in team.inputs
    for developer in developers:
        project = team_run.named(PROJECT, developer["name"])
        assert project.inputs["parentId"] == team.id


def test_each_user_is_member_of_their_project_and_reader_of_the_team_only(
    team_run: OfflineRun, developers: list[dict[str, str]]
) -> None:
    team = team_run.named(PROJECT, "team")
    for developer in developers:
        name = developer["name"]
        own = team_run.named(PROJECT, name)
        if developer.get("existing_user"):
            looked_up = [
                i.args["name"]
                for i in team_run.invocations
                if i.token == "openstack:identity/getUser:getUser"
            ]
            assert developer["existing_user"] in looked_up
            user_id = team_run.named(GRANT, f"{name}-{developer['existing_user']}-member").inputs[
                "userId"
            ]
        else:
            user = team_run.named(USER, f"{name}-{name}")
            assert isinstance(user.inputs["password"], Secret)
            assert user.inputs["defaultProjectId"] == own.id
            assert user.inputs["extra"] == {"email": developer["email"]}
            user_id = user.id
        grants = sorted(
            (role_of(g), g.inputs["projectId"])
            for g in team_run.of_type(GRANT)
            if g.inputs["userId"] == user_id
        )
        assert grants == sorted([("member", own.id), ("reader", team.id)])


def test_quotas_of_every_developer_project(
    team_run: OfflineRun, developers: list[dict[str, str]], quotas: dict[str, int]
) -> None:
    for developer in developers:
        project = team_run.named(PROJECT, developer["name"]).id
        compute = team_run.named(COMPUTE_QUOTA, f"{developer['name']}-compute").inputs
        network = team_run.named(NETWORK_QUOTA, f"{developer['name']}-network").inputs
        volume = team_run.named(VOLUME_QUOTA, f"{developer['name']}-volume").inputs
        assert compute["projectId"] == network["projectId"] == volume["projectId"] == project
        assert (compute["instances"], compute["cores"], compute["ram"]) == (
            quotas["instances"],
            quotas["cores"],
            quotas["ram_mb"],
        )
        assert (volume["volumes"], volume["gigabytes"]) == (quotas["volumes"], quotas["gigabytes"])
        assert (network["network"], network["port"], network["floatingip"]) == (
            quotas["networks"],
            quotas["ports"],
            quotas["floating_ips"],
        )


def test_network_and_volume_are_made_inside_the_developer_project(
    team_run: OfflineRun, developers: list[dict[str, str]]
) -> None:
    providers = {p.urn: p for p in team_run.of_type(PROVIDER)}
    for developer in developers:
        name = developer["name"]
        project = team_run.named(PROJECT, name)
        scoped = team_run.named(PROVIDER, f"{name}-scoped")
        assert scoped.inputs["tenantId"] == project.id
        operator = team_run.named(GRANT, f"{name}-operator-admin")
        assert operator.urn in scoped.dependencies, "Keystone refuses the token before the role"
        mine = [
            r
            for r in team_run.resources
            if r.type in IN_DEVELOPER_PROJECT + QUOTAS and r.name.startswith(f"{name}-")
        ]
        assert len(mine) == len(IN_DEVELOPER_PROJECT + QUOTAS)
        assert {providers[r.provider or ""].name for r in mine} == {f"{name}-scoped"}


def test_keystone_resources_go_through_the_system_scope(team_run: OfflineRun) -> None:
    providers = {p.urn: p for p in team_run.of_type(PROVIDER)}
    (identity,) = [p for p in providers.values() if p.name == "identity"]
    assert identity.inputs.get("systemScope") == "true", "provider inputs travel as strings"
    assert "tenantId" not in identity.inputs and "cloud" not in identity.inputs
    keystone = [r for r in team_run.resources if r.type in (PROJECT, GRANT, USER)]
    assert keystone and {providers[r.provider or ""].name for r in keystone} == {"identity"}


def test_ssh_only_from_the_admin_cidr_and_nothing_when_unset(
    team_run: OfflineRun, config: dict[str, str], developers: list[dict[str, str]]
) -> None:
    rules = [(r.inputs["portRangeMin"], r.inputs["remoteIpPrefix"]) for r in team_run.of_type(RULE)]
    admin = config["adminCidr"]
    assert rules == ([(22, admin)] * len(developers) if admin else [])


def test_network_type_and_vlans(
    team_run: OfflineRun, config: dict[str, str], developers: list[dict[str, str]]
) -> None:
    vlan_ids = json.loads(config["vlanIds"])
    for index, developer in enumerate(developers):
        segments = team_run.named(NETWORK, f"{developer['name']}-net").inputs.get("segments")
        if config["networkType"] == "vxlan":
            assert not segments, "Neutron's tenant network type"
            continue
        expected = {"networkType": "vlan", "physicalNetwork": config["physicalNetwork"]}
        if index < len(vlan_ids):
            expected["segmentationId"] = vlan_ids[index]
        assert segments == [expected]


def test_persistent_volumes_follow_protect_data(
    team_run: OfflineRun,
    engine: OptionsMonitor,
    config: dict[str, str],
    developers: list[dict[str, str]],
) -> None:
    for developer in developers:
        volume = team_run.named(VOLUME, f"{developer['name']}-persistent")
        assert volume.inputs["size"] == int(config["persistentVolumeSize"])
        protected = engine.named(VOLUME, f"{developer['name']}-persistent").protect
        assert protected is (config["protectData"] == "true")
    others = [o for o in engine.options.values() if o.type != VOLUME]
    assert not any(o.protect for o in others)


def test_outputs_are_plain_ids_and_passwords_are_secret(
    team_run: OfflineRun, developers: list[dict[str, str]]
) -> None:
    exported = team_run.outputs["developers"]
    assert not isinstance(exported, Secret)
    assert sorted(exported) == sorted(d["name"] for d in developers)
    for name, ids in exported.items():
        assert ids["project_id"] == team_run.named(PROJECT, name).id
        assert not any(isinstance(value, Secret) for value in ids.values())
    passwords = team_run.outputs["developer_passwords"]
    assert isinstance(passwords, Secret)
    new_users = sorted(d["name"] for d in developers if not d.get("existing_user"))
    assert sorted(reveal(passwords)) == new_users
