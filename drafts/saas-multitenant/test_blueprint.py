"""saas-multitenant as `osbp preview --json` shows it, for the defaults and every example."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import VENV_BIN
from generator.catalog import get_blueprint

Preview = Callable[[Path], dict[str, Any]]
BLUEPRINT = "saas-multitenant"
SPEC = get_blueprint(BLUEPRINT)
EXAMPLES = SPEC.examples
DEFAULT_TENANTS = [
    {"name": "acme", "plan": "starter", "vms": 1, "cidr": "10.40.1.0/24"},
    {"name": "globex", "plan": "business", "vms": 2, "cidr": "10.40.2.0/24"},
]
PER_TENANT = {
    "openstack:identity/project:Project": 1,
    "openstack:identity/user:User": 1,
    "random:index/randomPassword:RandomPassword": 1,
    # the user's member role, the operator's admin role
    "openstack:identity/roleAssignment:RoleAssignment": 2,
    "pulumi:providers:openstack": 1,
    "openstack:compute/quotaSetV2:QuotaSetV2": 1,
    "openstack:networking/quotaV2:QuotaV2": 1,
    "openstack:blockstorage/quoteSetV3:QuoteSetV3": 1,
    "openstack:networking/router:Router": 1,
    "openstack:networking/routerInterface:RouterInterface": 1,
    "openstack:networking/network:Network": 1,
    "openstack:networking/subnet:Subnet": 1,
    "openstack:networking/floatingIp:FloatingIp": 1,
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": 1,
}
PER_APP_VM = {
    "openstack:compute/instance:Instance": 1,
    "openstack:networking/port:Port": 1,
    "openstack:blockstorage/volume:Volume": 1,
    "openstack:compute/volumeAttach:VolumeAttach": 1,
}


def counts(document: dict[str, Any]) -> Counter[str]:
    return Counter(r["type"] for r in document["resources"] if not r["type"].startswith("osbp:"))


def expected_counts(answers: dict[str, Any]) -> Counter[str]:
    tenants = answers.get("tenants", DEFAULT_TENANTS)
    haproxy = answers.get("load_balancer", "octavia") == "haproxy"
    ssh = 1 if answers.get("admin_cidr") else 0
    expected: Counter[str] = Counter({"pulumi:providers:openstack": 1, "pulumi:index:Stash": 1})
    for tenant in tenants:
        vms = tenant.get("vms", 1)
        expected.update(PER_TENANT)
        expected.update({kind: n * vms for kind, n in PER_APP_VM.items()})
        expected["openstack:networking/secGroup:SecGroup"] += 1
        expected["openstack:networking/secGroupRule:SecGroupRule"] += 1 + ssh
        if haproxy:
            expected["openstack:compute/instance:Instance"] += 2
            expected["openstack:networking/port:Port"] += 3  # the pair and the VIP
            expected["openstack:networking/secGroup:SecGroup"] += 1
            expected["openstack:networking/secGroupRule:SecGroupRule"] += 2 + ssh  # HTTP, VRRP
        else:
            expected.update({"openstack:loadbalancer/loadBalancer:LoadBalancer": 1,
                             "openstack:loadbalancer/listener:Listener": 1,
                             "openstack:loadbalancer/pool:Pool": 1,
                             "openstack:loadbalancer/monitor:Monitor": 1,
                             "openstack:loadbalancer/member:Member": vms,
                             "openstack:networking/port:Port": 1})  # fmt: skip
    if answers.get("dashboard"):
        expected.update({
            "openstack:identity/project:Project": 1, "openstack:identity/user:User": 1,
            # the reader user's password and the operator view's
            "random:index/randomPassword:RandomPassword": 2, "pulumi:providers:openstack": 1,
            # the reader's own role, the operator's, and reader on each tenant project
            "openstack:identity/roleAssignment:RoleAssignment": 2 + len(tenants),
            "openstack:networking/router:Router": 1,
            "openstack:networking/routerInterface:RouterInterface": 1,
            "openstack:networking/network:Network": 1, "openstack:networking/subnet:Subnet": 1,
            "openstack:networking/secGroup:SecGroup": 1,
            "openstack:networking/secGroupRule:SecGroupRule": 1 + ssh,
            "openstack:networking/floatingIp:FloatingIp": 1,
            "openstack:networking/floatingIpAssociate:FloatingIpAssociate": 1,
            "openstack:compute/instance:Instance": 1, "openstack:networking/port:Port": 1,
        })  # fmt: skip
    return expected


def osbp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "osbp"), *args], capture_output=True, text=True)


@pytest.mark.parametrize("example", ["defaults", *EXAMPLES])
def test_the_graph_has_every_tenant_and_its_front_door(
    bake: Callable[..., Path], preview_json: Preview, example: str
) -> None:
    answers = EXAMPLES.get(example, {})
    document = preview_json(bake(BLUEPRINT, **answers))
    assert counts(document) == expected_counts(answers)
    assert document["outputs"]["tenant_passwords"] in ("[secret]", "(known after apply)")


def test_vlan_tenants_carry_their_segment_the_others_none(
    bake: Callable[..., Path], preview_json: Preview
) -> None:
    answers = EXAMPLES["three-tenants-vlan-haproxy"]
    document = preview_json(bake(BLUEPRINT, **answers))
    segments = {
        r["name"]: [
            (s["networkType"], s["segmentationId"]) for s in r["inputs"].get("segments", [])
        ]
        for r in document["resources"]
        if r["type"].endswith("network:Network")
    }
    assert segments == {"acme-net": [("vlan", 120)], "globex-net": [("vlan", 121)],
                        "initech-net": []}  # fmt: skip


NET1, NET2 = "cidr: 10.7.1.0/24", "cidr: 10.7.2.0/24"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (f"tenants=[{{name: acme, plan: gold, {NET1}}}]",
         "tenants[0].plan: 'gold' is not one of plans[].name"),
        (f"tenants=[{{name: acme, plan: starter, {NET1}}}, {{name: acme, plan: starter, {NET2}}}]",
         "tenants[1].name: 'acme' is already used by tenants[0].name"),
        (f"tenants=[{{name: Acme, plan: starter, {NET1}}}]", "tenants[0].name"),
        (f"tenants=[{{name: acme, plan: starter, vms: 0, {NET1}}}]",
         "tenants[0].vms: 0 is out of range"),
        (f"tenants=[{{name: acme, plan: starter, vlan_id: 5000, {NET1}}}]",
         "tenants[0].vlan_id: 5000"),
        (f"tenants=[{{name: acme, plan: starter, vlan_id: 120, {NET1}}},"
         f" {{name: globex, plan: starter, vlan_id: 120, {NET2}}}]",
         "tenants[1].vlan_id: 120 is already used by tenants[0].vlan_id"),
        ("tenants=[{name: acme, plan: starter, cidr: 10.7.0.0/16},"
         " {name: globex, plan: starter, cidr: 10.7.3.0/24}]",
         "tenants[1].cidr: 10.7.3.0/24 overlaps tenants[0].cidr (10.7.0.0/16)"),
        ("tenants=[{name: acme, plan: starter, cidr: 10.40.0.0/25}]",
         "tenants[0].cidr: 10.40.0.0/25 overlaps operations_cidr (10.40.0.0/24)"),
        ("tenants=[{name: acme, plan: starter}]", "tenants[0].cidr"),
        ("tenants=[]", "tenants"),
        ("load_balancer=nginx", "load_balancer: 'nginx' is not one of octavia, haproxy"),
        ("prices={cpu: 'one euro'}", "prices.cpu"),
        ("operations_cidr=10.40.0.0/29", "operations_cidr"),
        ("admin_cidr=10.0.0.300/24", "admin_cidr"),
        ("dashboard_auth_url=keystone:5000", "dashboard_auth_url"),
    ],
)  # fmt: skip
def test_bad_answers_are_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, answer: str, message: str
) -> None:
    result = osbp("new", BLUEPRINT, "--no-input", "-o", str(tmp_path / "out"), "--set", answer)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing written"


@pytest.mark.parametrize("example", ["defaults", *EXAMPLES])
def test_the_acceptance_run_can_tell_each_type_is_gone_after_destroy(
    example: str, bake: Callable[..., Path], preview_json: Preview
) -> None:
    from e2e import cloud

    document = preview_json(bake(BLUEPRINT, **EXAMPLES.get(example, {})))
    custom = {r["type"] for r in document["resources"]} - {"pulumi:providers:openstack"}
    custom = {t for t in custom if not t.startswith("osbp:")}
    assert custom <= set(cloud.PROBES) | cloud.NOT_IN_THE_CLOUD, custom - set(cloud.PROBES)
