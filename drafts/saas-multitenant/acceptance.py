"""saas-multitenant on a real cloud: the operator's stack, then each tenant as itself.

Run by ``python -m e2e`` (see ``e2e/flow.py``) against the sandbox with Octavia and
CloudKitty (the blueprint's ``services``). The stack runs as Keystone's system
administrator; ``after_up`` reads the generated tenant passwords, then runs ``make billing``
twice (the second run must change nothing). From then on every ``verify`` also logs in as
each tenant's own user: its VMs, network and volumes are there, the other tenant's are not.

The local Octavia runs noop drivers: its objects are checked through its API (provisioning
ACTIVE, one member per app VM); the floating-IP-on-VIP path is the HAProxy variant's, which
the update step switches to (``load_balancer: haproxy``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml


def _sibling(name: str) -> ModuleType:
    """A module next to this one (the flow loads this file by path, not as a package)."""
    spec = importlib.util.spec_from_file_location(
        f"saas_multitenant_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


PLANS = [
    {"name": "starter", "flavor": "m1.tiny", "instances": 3, "cores": 3, "ram_mb": 1536,
     "volumes": 3, "gigabytes": 6, "volume_size": 1},
    {"name": "business", "flavor": "m1.tiny", "instances": 4, "cores": 4, "ram_mb": 2048,
     "volumes": 4, "gigabytes": 8, "volume_size": 2},
]  # fmt: skip
ANSWERS = {
    "plans": PLANS,
    "tenants": [
        {"name": "acme", "plan": "starter", "vms": 1, "cidr": "10.60.1.0/24", "vlan_id": 160},
        {"name": "globex", "plan": "business", "vms": 2, "cidr": "10.60.2.0/24"},
    ],
    "load_balancer": "octavia",
    "haproxy_flavor": "m1.tiny",
    "image": "ubuntu-22.04",
    "external_network": "public",
    "physical_network": "physnet1",
    "prices": {"cpu": "0.05", "ram": "0.00002", "storage": "0.001"},
}
"""Two tenants of two plans, one on a provider VLAN (the sandbox's physnet1 is 100-199)."""

UPDATE = {"load_balancer": "haproxy"}
"""The update step: Octavia replaced by the HAProxy pair with its VIP and floating IP."""

PROTECTS_DATA = True
UNPROTECT = {"protect_data": False}

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"
LOAD_BALANCER = "openstack:loadbalancer/loadBalancer:LoadBalancer"
SANDBOX_CLOUDS = Path("/var/tmp/osbp-sandbox/clouds.yaml")
SCREENSHOT = Path(__file__).resolve().parents[2] / "benchmarks" / "saas-multitenant-dashboard.png"
"""The headless browser's view of a tenant's usage page, kept from the last e2e run."""
STATE: dict[str, Any] = {}
"""The tenants' generated passwords and Keystone's address, once ``after_up`` read them."""


def _tenants(answers: dict[str, Any]) -> list[dict[str, Any]]:
    value = answers["tenants"]
    return json.loads(value) if isinstance(value, str) else list(value)


def _plan(answers: dict[str, Any], name: str) -> dict[str, Any]:
    plans = answers.get("plans", PLANS)
    plans = json.loads(plans) if isinstance(plans, str) else plans
    return next(p for p in plans if p["name"] == name)


# -- the day-2 step: passwords, then billing twice --------------------------------------------


def after_up(conn: Any, stack: Any, deployed: Any) -> list[str]:
    passwords = json.loads(
        stack.run(
            "passwords", "stack", "output", "tenant_passwords", "--show-secrets", "--json"
        ).stdout
    )
    clouds_file = Path(os.environ.get("OS_CLIENT_CONFIG_FILE", SANDBOX_CLOUDS))
    operator = yaml.safe_load(clouds_file.read_text())["clouds"]["osbp-sandbox"]
    STATE.update(
        passwords=passwords,
        auth_url=operator["auth"]["auth_url"],
        region=operator.get("region_name", "RegionOne"),
    )
    checks = _billing_twice(conn, stack)
    return [*checks, _dashboard_in_a_browser(conn, stack, deployed)]


def _billing_twice(conn: Any, stack: Any) -> list[str]:
    def billing(*extra: str) -> str:
        proc = subprocess.run(
            ["make", "--no-print-directory", "billing", *extra],
            cwd=stack.project_dir, env=stack.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, f"make billing failed:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    first = billing()
    rules = _hashmap_rules(conn)
    prices = ANSWERS["prices"]
    for service, field in (("cpu", "cpu"), ("ram", "ram"), ("storage", "storage")):
        assert service in rules, f"no CloudKitty hashmap service {service}: {rules}"
        got = [float(cost) for cost in rules[service]]
        assert got == [float(prices[field])], f"{service} mappings {got}, want {prices[field]}"
    second = billing()
    assert _hashmap_rules(conn) == rules, "the second make billing changed the rules"
    assert "nothing changed" in second, second
    return [
        "make billing: CloudKitty hashmap rules for cpu, ram and storage at the stack's prices"
        f" ({first.strip().splitlines()[-1][:100]})",
        f"make billing again changes nothing ({second.strip().splitlines()[-1][:100]})",
    ]


def _dashboard_in_a_browser(conn: Any, stack: Any, deployed: Any) -> str:
    """The project's dashboard, signed in as the first tenant in Chromium: its own quotas
    and volumes on the page, nothing of the other tenants'."""
    browse = _sibling("dashboard_check")
    tenants = _tenants(ANSWERS)
    first, others = tenants[0], [t["name"] for t in tenants[1:]]
    ids = deployed.outputs["tenants"][first["name"]]
    plan = _plan(ANSWERS, first["plan"])
    project_name = conn.identity.get_project(ids["project_id"]).name
    with browse.dashboard(
        stack.project_dir, STATE["auth_url"], STATE["region"], ANSWERS["prices"]
    ) as url:
        page = browse.sign_in(
            url, ids["user_name"], STATE["passwords"][first["name"]], project_name, SCREENSHOT
        )
    instances = [row for row in page.quotas if row[1:2] == ["instances"]]
    assert instances and instances[0][2:] == [str(first["vms"]), str(plan["instances"])], (
        f"instances quota row {instances}, want {first['vms']} of {plan['instances']}"
    )
    assert len(page.volumes) == first["vms"], f"volumes on the page: {page.volumes}"
    assert all(first["name"] in row[0] for row in page.volumes), page.volumes
    leaked = [name for name in others if name in page.text]
    assert not leaked, f"{first['name']}'s page names {leaked}"
    return (
        f"dashboard in headless Chromium as {first['name']}: instances {first['vms']} of "
        f"{plan['instances']}, its {first['vms']} volume(s), no other tenant (screenshot "
        f"{SCREENSHOT.name})"
    )


def _hashmap_rules(conn: Any) -> dict[str, list[str]]:
    """CloudKitty's hashmap services and their flat mapping costs, read through its API."""

    def get(path: str) -> Any:
        response = conn.session.get(path, endpoint_filter={"service_type": "rating"})
        assert response.status_code == 200, f"GET {path}: {response.status_code}"
        return response.json()

    base = "/v1/rating/module_config/hashmap"
    rules = {}
    for service in get(f"{base}/services")["services"]:
        mappings = get(f"{base}/mappings?service_id={service['service_id']}")["mappings"]
        rules[service["name"]] = sorted(str(m["cost"]) for m in mappings)
    return rules


# -- checks -----------------------------------------------------------------------------------


def verify(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
    checks = [_operator_view(conn, deployed, answers)]
    if answers.get("load_balancer", "octavia") == "octavia":
        checks.append(_octavia(conn, deployed, answers))
    else:
        checks.append(_haproxy_pair(conn, deployed, answers))
    if STATE:
        checks += _tenant_views(deployed, answers)
    return checks


def _operator_view(conn: Any, deployed: Any, answers: dict[str, Any]) -> str:
    from e2e.cloud import expect

    outputs = deployed.outputs["tenants"]
    roles = {role.id: role.name for role in conn.identity.roles()}
    for tenant in _tenants(answers):
        name, plan = tenant["name"], _plan(answers, tenant["plan"])
        ids = outputs[name]
        project = conn.identity.get_project(ids["project_id"])
        expect(project.is_enabled, True, f"project of {name} enabled")
        user = conn.identity.find_user(ids["user_name"])
        assert user is not None, f"no Keystone user {ids['user_name']}"
        granted = sorted(
            (roles[a.role["id"]], a.scope["project"]["id"])
            for a in conn.identity.role_assignments(user_id=user.id)
        )
        expect(granted, [("member", ids["project_id"])], f"roles of {name}'s user")
        compute = conn.compute.get_quota_set(ids["project_id"])
        expect(
            (compute.instances, compute.cores, compute.ram),
            (plan["instances"], plan["cores"], plan["ram_mb"]),
            f"compute quotas of {name}",
        )
        volume = conn.block_storage.get_quota_set(ids["project_id"])
        expect((volume.volumes, volume.gigabytes), (plan["volumes"], plan["gigabytes"]), name)
        quota = conn.network.get_quota(ids["project_id"])
        expect((quota.networks, quota.routers), (1, 1), f"network quotas of {name}")
        net = conn.network.get_network(ids["network_id"])
        expect(net.project_id, ids["project_id"], f"project of {name}'s network")
        expect(net.is_shared, False, f"{name}'s network shared")
        vlan = tenant.get("vlan_id") or 0
        expect(net.provider_network_type, "vlan" if vlan else "vxlan", f"type of {name}'s net")
        if vlan:
            expect(net.provider_segmentation_id, vlan, f"VLAN of {name}")
        subnet = conn.network.get_subnet(ids["subnet_id"])
        expect(subnet.cidr, tenant["cidr"], f"subnet of {name}")
    return "per tenant: project, member-only user, plan quotas (Nova, Cinder, Neutron), own "\
        "unshared network on its VLAN or vxlan and its subnet"  # fmt: skip


def _octavia(conn: Any, deployed: Any, answers: dict[str, Any]) -> str:
    from e2e.cloud import expect

    outputs = deployed.outputs["tenants"]
    for tenant in _tenants(answers):
        name = tenant["name"]
        lb_id = deployed.id_of(LOAD_BALANCER, f"{name}-lb")
        balancer = conn.load_balancer.get_load_balancer(lb_id)
        expect(balancer.provisioning_status, "ACTIVE", f"provisioning of {name}'s balancer")
        expect(balancer.project_id, outputs[name]["project_id"], f"project of {name}'s balancer")
        (pool,) = [p for p in conn.load_balancer.pools() if p.loadbalancers == [{"id": lb_id}]]
        members = list(conn.load_balancer.members(pool))
        apps = [
            deployed.resource(PORT, f"{name}-app-{i}")["outputs"]["allFixedIps"][0]
            for i in range(1, tenant["vms"] + 1)
        ]
        expect(sorted(m.address for m in members), sorted(apps), f"members of {name}'s pool")
        expect({m.provisioning_status for m in members}, {"ACTIVE"}, f"{name}'s members")
        expect(pool.health_monitor_id is not None, True, f"health monitor of {name}'s pool")
    return "per tenant: an Octavia load balancer ACTIVE in its project, one ACTIVE member per "\
        "app VM, a health monitor"  # fmt: skip


def _haproxy_pair(conn: Any, deployed: Any, answers: dict[str, Any]) -> str:
    from e2e.cloud import expect

    outputs = deployed.outputs["tenants"]
    for tenant in _tenants(answers):
        name = tenant["name"]
        vip = conn.network.get_port(deployed.id_of(PORT, f"{name}-lb-vip"))
        address = vip.fixed_ips[0]["ip_address"]
        expect(outputs[name]["vip_address"], address, f"{name}'s exported VIP")
        for role in ("master", "backup"):
            port = conn.network.get_port(deployed.id_of(PORT, f"{name}-lb-{role}"))
            pairs = [p["ip_address"] for p in port.allowed_address_pairs]
            expect(pairs, [address], f"allowed address pairs of {name}'s {role}")
            server = conn.compute.get_server(deployed.id_of(INSTANCE, f"{name}-lb-{role}"))
            expect(server.status, "ACTIVE", f"{name}'s HAProxy {role}")
        floating = list(conn.network.ips(floating_ip_address=outputs[name]["public_ip"]))
        expect([ip.port_id for ip in floating], [vip.id], f"port of {name}'s floating IP")
    return "per tenant: the VIP port's address exported, allowed on both HAProxy ports, the "\
        "floating IP on the VIP port, both HAProxy servers ACTIVE"  # fmt: skip


def tenant_connection(tenant: str, user_name: str, project_id: str) -> Any:
    """A tenant's own session: its user and generated password, in its project."""
    from e2e.cloud import connect_with

    return connect_with(
        {
            "auth_url": STATE["auth_url"],
            "username": user_name,
            "password": STATE["passwords"][tenant],
            "user_domain_name": "Default",
            "project_id": project_id,
        },
        STATE["region"],
    )


def _tenant_views(deployed: Any, answers: dict[str, Any]) -> list[str]:
    from e2e.cloud import expect

    outputs = deployed.outputs["tenants"]
    tenants = _tenants(answers)
    own: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = {}
    for tenant in tenants:
        name = tenant["name"]
        ids = outputs[name]
        conn = tenant_connection(name, ids["user_name"], ids["project_id"])
        servers = list(conn.compute.servers())
        apps = [s for s in servers if "-app-" in s.name]
        expect(len(apps), tenant["vms"], f"app VMs {name} lists")
        expect({s.status for s in servers}, {"ACTIVE"}, f"status of {name}'s servers")
        volumes = list(conn.block_storage.volumes())
        expect(sorted(v.status for v in volumes), ["in-use"] * tenant["vms"], f"{name} volumes")
        networks = {n.id for n in conn.network.networks()}
        assert ids["network_id"] in networks, f"{name} does not list its own network"
        own[name] = {ids["network_id"], *(s.id for s in servers), *(v.id for v in volumes)}
        seen[name] = networks | {s.id for s in servers} | {v.id for v in volumes}
    for tenant in own:
        for other in own:
            if other != tenant:
                leaked = seen[tenant] & own[other]
                assert not leaked, f"{tenant}'s user lists {other}'s {leaked}"
    return [
        "as each tenant's own user: its app VMs ACTIVE, its volumes in-use, its network",
        "no tenant's user lists another tenant's servers, networks or volumes",
    ]


def verify_update(conn: Any, before: Any, after: Any) -> list[str]:
    from e2e.cloud import expect

    for name, ids in after.outputs["tenants"].items():
        old = before.outputs["tenants"][name]
        expect(ids["project_id"], old["project_id"], f"{name}'s project after the update")
        expect(ids["network_id"], old["network_id"], f"{name}'s network after the update")
        expect(ids["public_ip"], old["public_ip"], f"{name}'s public address after the update")
        assert (
            conn.load_balancer.find_load_balancer(
                before.id_of(LOAD_BALANCER, f"{name}-lb"), ignore_missing=True
            )
            is None
        ), f"{name}'s Octavia load balancer is still there"
    return [
        "Octavia replaced by the HAProxy pair: same projects, networks and public addresses,"
        " the load balancers gone"
    ]
