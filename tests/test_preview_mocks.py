"""The simulated cloud cannot lie: typed values for what the real cloud computes.

A program touching every resource type and data source the blueprints use
(``fixtures/every_openstack_type.py``) runs offline as ``pulumi up``; every output
the provider's schema marks always-set comes back set, and the attributes a
blueprint reads are derived from the program's own resources. A type or data
source the mocks do not know stops the run.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi
import pytest

from generator.errors import PreviewError
from generator.preview import capture_program, load_runner

FIXTURE = Path(__file__).parent / "fixtures" / "every_openstack_type.py"

BLUEPRINT_TYPES = {
    f"openstack:{token}"
    for token in """identity/project:Project identity/user:User identity/role:Role
    identity/roleAssignment:RoleAssignment identity/applicationCredential:ApplicationCredential
    compute/quotaSetV2:QuotaSetV2 networking/quotaV2:QuotaV2 blockstorage/quoteSetV3:QuoteSetV3
    loadbalancer/quota:Quota networking/network:Network networking/segmentV2:SegmentV2
    networking/rbacPolicyV2:RbacPolicyV2 networking/subnet:Subnet networking/router:Router
    networking/routerInterface:RouterInterface networking/secGroup:SecGroup
    networking/secGroupRule:SecGroupRule networking/port:Port networking/floatingIp:FloatingIp
    networking/floatingIpAssociate:FloatingIpAssociate compute/flavor:Flavor
    compute/keypair:Keypair compute/instance:Instance compute/serverGroup:ServerGroup
    blockstorage/volume:Volume blockstorage/volumeTypeV3:VolumeTypeV3
    compute/volumeAttach:VolumeAttach images/image:Image orchestration/stackV1:StackV1
    objectstorage/container:Container objectstorage/containerObject:ContainerObject
    loadbalancer/loadBalancer:LoadBalancer loadbalancer/listener:Listener loadbalancer/pool:Pool
    loadbalancer/member:Member loadbalancer/monitor:Monitor keymanager/secretV1:SecretV1
    keymanager/containerV1:ContainerV1 dns/zone:Zone dns/recordSet:RecordSet""".split()  # noqa: SIM905
}
"""The resource types of /work/shared/notes/pulumi-openstack-classes.md (the six blueprints)."""

BLUEPRINT_DATA_SOURCES = {
    "openstack:networking/getNetwork:getNetwork",
    "openstack:images/getImage:getImage",
    "openstack:compute/getFlavor:getFlavor",
    "openstack:identity/getProject:getProject",
    "openstack:identity/getRole:getRole",
    "openstack:identity/getUser:getUser",
    "openstack:networking/getSubnet:getSubnet",
    "openstack:identity/getAuthScope:getAuthScope",
}


@dataclass
class EveryType:
    runner: ModuleType
    """The project's ``components.offline``."""
    mocks: ModuleType
    """The project's ``components.mocks``."""
    run: Any


@pytest.fixture(scope="module")
def every_type(
    tmp_path_factory: pytest.TempPathFactory, offline_project: Callable[..., Path]
) -> EveryType:
    project = offline_project(tmp_path_factory.mktemp("every"), FIXTURE.read_text())
    runner = load_runner(project)
    mocks = importlib.import_module("components.mocks")
    return EveryType(runner, mocks, runner.run_offline(project))


def test_the_fixture_covers_every_type_and_data_source_the_blueprints_use(
    every_type: EveryType,
) -> None:
    run = every_type.run
    assert {r.type for r in run.resources} >= BLUEPRINT_TYPES
    assert {i.token for i in run.invocations} >= BLUEPRINT_DATA_SOURCES


def test_every_always_set_output_has_a_value(every_type: EveryType) -> None:
    run, mocks = every_type.run, every_type.mocks
    for resource in run.resources:
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            continue
        schema = mocks.always_set_outputs(resource.type)
        assert schema, resource.type
        missing = sorted(k for k in schema if resource.outputs.get(k) is None)
        assert not missing, f"{resource.type} {resource.name}: {missing}"


def test_data_sources_answer_every_always_set_field(every_type: EveryType) -> None:
    mocks = every_type.mocks
    cloud = mocks.OpenStackMocks()
    for token in sorted(BLUEPRINT_DATA_SOURCES):
        answer, failures = cloud.call(pulumi.runtime.MockCallArgs(token, {"name": "x"}, ""))
        assert failures == []
        missing = sorted(k for k in mocks.always_set_outputs(token, True) if answer.get(k) is None)
        assert not missing, f"{token}: {missing}"


def test_addresses_come_from_the_subnets_the_program_made(
    every_type: EveryType,
) -> None:
    runner, run = every_type.runner, every_type.run
    outputs = runner.reveal(run.outputs)
    lan = ipaddress.ip_network("10.20.0.0/24")
    for key in ("vip", "server_ip", "worker_ip"):
        assert ipaddress.ip_address(outputs[key]) in lan, key
    assert len({outputs["vip"], outputs["server_ip"], outputs["worker_ip"]}) == 3
    assert outputs["subnet_gateway"] == "10.20.0.1"
    assert outputs["worker_networks"][0]["fixed_ip_v4"] == outputs["worker_ip"]
    (gateway,) = outputs["router_gateway"]
    external = ipaddress.ip_network("203.0.113.0/24")
    public = [gateway["ip_address"], outputs["floating_ip"], outputs["bastion_ip"]]
    assert all(ipaddress.ip_address(a) in external for a in public), public
    assert len(set(public)) == 3, "one external range, no address handed out twice"
    assert ipaddress.ip_network(outputs["public_subnet"]) == ipaddress.ip_network(
        "203.0.113.0/24"
    ), "the external network's subnet holds the floating IPs"
    member = run.named("openstack:loadbalancer/member:Member", "web")
    assert member.inputs["address"] == outputs["server_ip"]
    balancer = run.named("openstack:loadbalancer/loadBalancer:LoadBalancer", "web")
    assert (
        balancer.outputs["vipPortId"]
        and balancer.outputs["vipNetworkId"]
        == run.named("openstack:networking/network:Network", "lan").id
    )


def test_heat_outputs_are_the_template_outputs(every_type: EveryType) -> None:
    runner, run = every_type.runner, every_type.run
    outputs = {o["output_key"]: o for o in runner.reveal(run.outputs)["heat_outputs"]}
    assert sorted(outputs) == ["master_url", "worker_count", "worker_ips"]
    assert outputs["worker_count"]["output_value"] == "3", "get_param reads the parameter"
    (address,) = json.loads(outputs["worker_ips"]["output_value"])
    ipaddress.ip_address(address)
    assert outputs["master_url"]["output_value"].startswith("http://")
    assert outputs["worker_ips"]["description"] == "Addresses of the workers"


def test_keys_credentials_and_images_look_like_the_real_ones(
    every_type: EveryType,
) -> None:
    runner, run = every_type.runner, every_type.run
    outputs = run.outputs
    for secret in ("generated_key", "credential_secret"):
        assert isinstance(outputs[secret], runner.Secret), f"{secret} must stay secret"
    plain = runner.reveal(outputs)
    assert plain["generated_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert plain["generated_public_key"].startswith("ssh-ed25519 AAAA")
    imported = run.named("openstack:compute/keypair:Keypair", "imported")
    blob = base64.b64decode(imported.inputs["publicKey"].split()[1])
    digest = hashlib.md5(blob).hexdigest()
    assert plain["imported_fingerprint"] == ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    assert imported.outputs["privateKey"] in ("", runner.Secret("")), "Nova keeps no private key"
    assert len(plain["credential_secret"]) >= 32
    assert len(plain["image_checksum"]) == 32 and int(plain["image_checksum"], 16) >= 0
    assert plain["etag"] == hashlib.md5(b"hello\n").hexdigest()
    assert plain["container"].startswith("backups-"), "auto-named like Pulumi does"
    assert plain["secret_ref"].startswith("https://") and plain["secret_ref"].endswith(
        run.named("openstack:keymanager/secretV1:SecretV1", "tls").id or "?"
    )
    assert plain["device"] == "/dev/vdb"
    looked_up = plain["looked_up"]
    assert looked_up["flavor_vcpus"] == 1, "m1.small has one vCPU"
    assert all(looked_up.values()), looked_up
    assert looked_up["scope_project"] != looked_up["project"]


UNKNOWN_TYPE = """
import pulumi
pulumi.CustomResource("openstack:dns/transferRequest:TransferRequest", "x", {"zoneId": "z"})
"""

UNKNOWN_INVOKE = """
import pulumi
import pulumi_openstack as openstack
zone = openstack.dns.get_dns_zone(name="example.org.")
pulumi.export("zone", zone.id)
"""


@pytest.mark.parametrize(
    ("program", "named"),
    [
        (UNKNOWN_TYPE, "openstack:dns/transferRequest:TransferRequest"),
        (UNKNOWN_INVOKE, "openstack:dns/getDnsZone:getDnsZone"),
    ],
    ids=["resource", "data-source"],
)
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_what_the_mocks_do_not_know_stops_the_run(
    program: str,
    named: str,
    preview: bool,
    tmp_path: Path,
    offline_project: Callable[..., Path],
) -> None:
    project = offline_project(tmp_path, program)
    with pytest.raises(PreviewError, match=f"does not (know|answer) {named}"):
        capture_program(project, preview=preview)
