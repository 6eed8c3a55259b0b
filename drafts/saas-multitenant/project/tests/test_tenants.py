"""Each tenant: its own project, user, quotas, isolated network, VMs and load balancer."""

from __future__ import annotations

import json
from collections import Counter
from ipaddress import ip_network
from typing import Any

import pytest

from components.offline import OfflineRun, Registration, Secret

PROJECT = "openstack:identity/project:Project"
USER = "openstack:identity/user:User"
GRANT = "openstack:identity/roleAssignment:RoleAssignment"
PROVIDER = "pulumi:providers:openstack"
INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
PORT = "openstack:networking/port:Port"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
ROUTER = "openstack:networking/router:Router"
RULE = "openstack:networking/secGroupRule:SecGroupRule"
GROUP = "openstack:networking/secGroup:SecGroup"
FIP_ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
LOAD_BALANCER = "openstack:loadbalancer/loadBalancer:LoadBalancer"
LISTENER = "openstack:loadbalancer/listener:Listener"
MEMBER = "openstack:loadbalancer/member:Member"
STASH = "pulumi:index:Stash"
COMPUTE_QUOTA = "openstack:compute/quotaSetV2:QuotaSetV2"
NETWORK_QUOTA = "openstack:networking/quotaV2:QuotaV2"
VOLUME_QUOTA = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
INSIDE_TENANT = (
    INSTANCE,
    VOLUME,
    PORT,
    NETWORK,
    SUBNET,
    ROUTER,
    GROUP,
    RULE,
    FIP_ASSOCIATE,
    LOAD_BALANCER,
)
"""Made through the provider scoped to the tenant's project, never the operator's."""


@pytest.fixture(scope="module")
def tenants(config: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(config["tenants"])
    for tenant in found:
        tenant.setdefault("vms", 1)
        tenant.setdefault("vlan_id", 0)
    return found


@pytest.fixture(scope="module")
def plans(config: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {plan["name"]: plan for plan in json.loads(config["plans"])}


@pytest.fixture(scope="module")
def haproxy(config: dict[str, str]) -> bool:
    return config.get("loadBalancer", "octavia") == "haproxy"


def in_tenant(run: OfflineRun, name: str, kind: str) -> list[Registration]:
    """Resources of ``kind`` made through tenant ``name``'s scoped provider."""
    scoped = run.named(PROVIDER, f"{name}-scoped").urn
    return [r for r in run.of_type(kind) if r.provider == scoped]


def test_one_project_user_and_scoped_provider_per_tenant(
    deployed: OfflineRun, tenants: list[dict[str, Any]], config: dict[str, str]
) -> None:
    counts = Counter(r.type for r in deployed.resources if r.custom)
    n = len(tenants) + (1 if config.get("dashboard") == "true" else 0)
    assert counts[PROJECT] == n
    assert counts[USER] == n
    assert counts[PROVIDER] == n + 1, "one scoped to each project, and the system-scoped one"
    assert counts[COMPUTE_QUOTA] == counts[NETWORK_QUOTA] == counts[VOLUME_QUOTA] == len(tenants)


def test_tenant_projects_carry_the_tag_the_dashboard_lists_and_no_other_project_does(
    deployed: OfflineRun, tenants: list[dict[str, Any]]
) -> None:
    tagged = sorted(r.name for r in deployed.of_type(PROJECT) if r.inputs.get("tags"))
    assert tagged == sorted(t["name"] for t in tenants)
    assert {tuple(deployed.named(PROJECT, name).inputs["tags"]) for name in tagged} == {
        ("osbp-tenant",)
    }


def test_no_network_or_router_is_shared_between_tenants(
    deployed: OfflineRun, tenants: list[dict[str, Any]]
) -> None:
    assert not [n.name for n in deployed.of_type(NETWORK) if n.inputs.get("shared")]
    for tenant in tenants:
        (router,) = in_tenant(deployed, tenant["name"], ROUTER)
        (subnet,) = in_tenant(deployed, tenant["name"], SUBNET)
        assert subnet.inputs["cidr"] == tenant["cidr"]
        assert router.name.startswith(f"{tenant['name']}-")


def test_every_tenant_resource_is_made_inside_its_own_project(
    deployed: OfflineRun, tenants: list[dict[str, Any]]
) -> None:
    for tenant in tenants:
        name = tenant["name"]
        project = deployed.named(PROJECT, name)
        assert deployed.named(PROVIDER, f"{name}-scoped").inputs["tenantId"] == project.id
        vms = in_tenant(deployed, name, INSTANCE)
        assert len([v for v in vms if v.inputs["metadata"]["osbp-role"] == "app"]) == tenant["vms"]
        assert len(in_tenant(deployed, name, VOLUME)) == tenant["vms"]
        assert len(in_tenant(deployed, name, NETWORK)) == 1
    tenant_resources = {
        r.urn
        for tenant in tenants
        for kind in INSIDE_TENANT
        for r in in_tenant(deployed, tenant["name"], kind)
    }
    stray = [
        r.name
        for kind in INSIDE_TENANT
        for r in deployed.of_type(kind)
        if r.urn not in tenant_resources and not r.name.startswith("dashboard")
    ]
    assert stray == [], "nothing of a tenant lands on the operator's provider"


def test_each_user_is_a_member_of_its_own_project_only(
    deployed: OfflineRun, tenants: list[dict[str, Any]]
) -> None:
    for tenant in tenants:
        name = tenant["name"]
        user = deployed.named(USER, f"{name}-{name}")
        assert isinstance(user.inputs["password"], Secret)
        grants = [g for g in deployed.of_type(GRANT) if g.inputs.get("userId") == user.id]
        assert [g.inputs["projectId"] for g in grants] == [deployed.named(PROJECT, name).id]
        assert grants[0].name == f"{name}-{name}-member"


def test_quotas_come_from_the_tenant_plan(
    deployed: OfflineRun, tenants: list[dict[str, Any]], plans: dict[str, dict[str, Any]]
) -> None:
    for tenant in tenants:
        name, plan = tenant["name"], plans[tenant["plan"]]
        compute = deployed.named(COMPUTE_QUOTA, f"{name}-compute").inputs
        volume = deployed.named(VOLUME_QUOTA, f"{name}-volume").inputs
        network = deployed.named(NETWORK_QUOTA, f"{name}-network").inputs
        assert (compute["instances"], compute["cores"], compute["ram"]) == (
            plan["instances"], plan["cores"], plan["ram_mb"],
        )  # fmt: skip
        assert (volume["volumes"], volume["gigabytes"]) == (plan["volumes"], plan["gigabytes"])
        assert (network["network"], network["router"], network["floatingip"]) == (1, 1, 1)
        assert network["port"] == tenant["vms"] + 6


def test_a_tenant_with_a_vlan_id_gets_that_vlan_the_others_a_tenant_network(
    deployed: OfflineRun, tenants: list[dict[str, Any]], config: dict[str, str]
) -> None:
    for tenant in tenants:
        (network,) = in_tenant(deployed, tenant["name"], NETWORK)
        segments = network.inputs.get("segments") or []
        if tenant["vlan_id"]:
            assert [(s["networkType"], s["segmentationId"]) for s in segments] == [
                ("vlan", tenant["vlan_id"])
            ]
            assert segments[0]["physicalNetwork"] == config.get("physicalNetwork", "physnet1")
        else:
            assert segments == [], "Neutron's tenant network type (vxlan)"


def test_no_ssh_without_an_admin_cidr_and_the_apps_only_from_the_tenant_subnet(
    deployed: OfflineRun, tenants: list[dict[str, Any]], config: dict[str, str]
) -> None:
    admin = config.get("adminCidr", "")
    for tenant in tenants:
        subnet = tenant["cidr"]
        rules = [r.inputs for r in in_tenant(deployed, tenant["name"], RULE)]
        ssh = [r for r in rules if r.get("portRangeMin") == 22]
        assert [r["remoteIpPrefix"] for r in ssh] == ([admin] * len(ssh) if admin else [])
        app = [r for r in rules if r.get("portRangeMin") == 80 and r["remoteIpPrefix"] == subnet]
        assert app, "the app VMs admit HTTP from the load balancer's subnet"
        public = [r for r in rules if r.get("remoteIpPrefix") == "0.0.0.0/0"]
        assert all(r.get("portRangeMin") == 80 for r in public), "only the service port is public"


def test_no_security_group_of_a_tenant_admits_another_tenants_subnet(
    deployed: OfflineRun, tenants: list[dict[str, Any]]
) -> None:
    for tenant in tenants:
        others = [ip_network(t["cidr"]) for t in tenants if t["name"] != tenant["name"]]
        for rule in in_tenant(deployed, tenant["name"], RULE):
            prefix = rule.inputs.get("remoteIpPrefix")
            if prefix and ip_network(prefix).prefixlen > 0:
                assert not any(ip_network(prefix).overlaps(o) for o in others), rule.name


def test_octavia_balances_over_every_app_vm_behind_the_floating_ip(
    deployed: OfflineRun, tenants: list[dict[str, Any]], haproxy: bool, config: dict[str, str]
) -> None:
    if haproxy:
        assert deployed.of_type(LOAD_BALANCER) == []
        return
    for tenant in tenants:
        name = tenant["name"]
        (balancer,) = in_tenant(deployed, name, LOAD_BALANCER)
        members = [m for m in deployed.of_type(MEMBER) if m.name.startswith(f"{name}-lb-")]
        apps = [p for p in in_tenant(deployed, name, PORT) if "-app-" in p.name]
        assert sorted(m.inputs["address"] for m in members) == sorted(
            p.outputs["allFixedIps"][0] for p in apps
        )
        listener = deployed.named(LISTENER, f"{name}-lb")
        assert listener.inputs["allowedCidrs"] == [config.get("publicCidr", "0.0.0.0/0")]
        association = deployed.named(FIP_ASSOCIATE, f"{name}-service")
        assert association.inputs["portId"] == balancer.inputs["vipPortId"]


def test_the_haproxy_pair_shares_a_virtual_ip_by_vrrp(
    deployed: OfflineRun, tenants: list[dict[str, Any]], haproxy: bool
) -> None:
    if not haproxy:
        assert not [i for i in deployed.of_type(INSTANCE) if "-lb-" in i.name]
        return
    for tenant in tenants:
        name = tenant["name"]
        vip = deployed.named(PORT, f"{name}-lb-vip")
        address = vip.outputs["allFixedIps"][0]
        pair = [p for p in in_tenant(deployed, name, PORT) if p.name in
                (f"{name}-lb-master", f"{name}-lb-backup")]  # fmt: skip
        assert len(pair) == 2
        for port in pair:
            assert port.inputs["allowedAddressPairs"] == [{"ipAddress": address}]
        vrrp = [r for r in in_tenant(deployed, name, RULE) if r.inputs.get("protocol") == "112"]
        assert len(vrrp) == 1 and "portRangeMin" not in vrrp[0].inputs
        assert deployed.named(FIP_ASSOCIATE, f"{name}-service").inputs["portId"] == vip.id
        configs = [i.inputs["userData"] for i in in_tenant(deployed, name, INSTANCE)
                   if i.name.startswith(f"{name}-lb-")]  # fmt: skip
        assert sorted("state MASTER" in c for c in configs) == [False, True]
        assert all(address in c for c in configs)


def test_one_image_id_pinned_once_for_every_tenant(deployed: OfflineRun) -> None:
    (stash,) = deployed.of_type(STASH)
    images = {i.inputs["imageId"] for i in deployed.of_type(INSTANCE)}
    assert images == {stash.outputs["output"]}
    lookups = [i for i in deployed.invocations if i.token.endswith("getImage")]
    assert len(lookups) == 1
    assert lookups[0].provider == deployed.named(PROVIDER, "system").urn


def test_passwords_are_exported_as_a_secret_and_the_rest_in_clear(
    deployed: OfflineRun, tenants: list[dict[str, Any]]
) -> None:
    assert isinstance(deployed.outputs["tenant_passwords"], Secret)
    exported = deployed.outputs["tenants"]
    assert sorted(exported) == sorted(t["name"] for t in tenants)
    for tenant in tenants:
        row = exported[tenant["name"]]
        assert row["network_type"] == ("vlan" if tenant["vlan_id"] else "vxlan")
        assert row["service_url"].startswith("http://")
        assert not any(isinstance(value, Secret) for value in row.values())


def test_the_dashboard_vm_gets_a_configuration_its_app_loads(
    deployed: OfflineRun, config: dict[str, str]
) -> None:
    """The clouds.yaml names a region (openstacksdk needs one) and the prices parse."""
    import yaml

    from dashboard.config import load_config

    vms = [i for i in deployed.of_type(INSTANCE) if i.name.startswith("dashboard")]
    if config.get("dashboard") != "true":
        assert vms == []
        return
    (vm,) = vms
    assert isinstance(vm.inputs["userData"], Secret), "it carries the reader's password"
    files = {f["path"]: f for f in yaml.safe_load(vm.inputs["userData"].value)["write_files"]}
    clouds = yaml.safe_load(files["/etc/osbp-dashboard/clouds.yaml"]["content"])
    assert clouds["clouds"]["operator-reader"]["region_name"]
    env = dict(
        line.split("=", 1)
        for line in files["/etc/osbp-dashboard/env"]["content"].splitlines()
        if "=" in line
    )
    assert load_config(env).prices is not None
