"""The component library under mocks: names, replacement, protection, destroy
order and explicit providers, as the engine would receive them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_openstack as openstack
import pytest
from engine_options import OptionsMonitor, run_under_mocks

from components import (
    CloudConfig,
    DataVolumeArgs,
    GeneratedKeyPair,
    GlanceImage,
    GlanceImageArgs,
    HeatStack,
    HeatStackArgs,
    IngressRule,
    KeyPair,
    KeyPairArgs,
    KeystoneProject,
    KeystoneProjectArgs,
    LoadBalancer,
    LoadBalancerArgs,
    ObjectContainer,
    ObjectContainerArgs,
    PoolMember,
    PrivateNetwork,
    PrivateNetworkArgs,
    ProjectQuotas,
    ProjectUser,
    PublicAddress,
    PublicAddressArgs,
    Router,
    RouterArgs,
    SecurityGroup,
    SecurityGroupArgs,
    Server,
    ServerArgs,
    hot_template,
    pinned_image_id,
    project_provider,
    scoped_credentials_problem,
)
from components.mocks import OpenStackMocks
from components.naming import KEYSTONE_PROJECT_NAME_LIMIT, shorten
from components.offline import Registration, Secret

INSTANCE = "openstack:compute/instance:Instance"
ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
VOLUME = "openstack:blockstorage/volume:Volume"
STASH = "pulumi:index:Stash"
PORT = "openstack:networking/port:Port"
LOAD_BALANCER = "openstack:loadbalancer/loadBalancer:LoadBalancer"
FLOATING_IP_ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
QUOTAS = {"QuotaSetV2", "QuotaV2", "QuoteSetV3"}
IMAGE_ID = "2f0c9d1e-58a4-4c36-9d0b-6a1f3e2b7c11"


class Cloud(OpenStackMocks):
    """The simulated cloud, with Keystone lookups answered by names the tests assert on."""

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        token = args.token.split(":")[-1]
        if token == "getAuthScope":
            return {"id": "current", "userId": "operator-user-id"}, []
        if token == "getRole":
            return {"id": f"role-{args.args['name']}", "name": args.args["name"]}, []
        if token == "getUser":
            return {"id": f"user-{args.args['name']}", "name": args.args["name"]}, []
        return super().call(args)


@pytest.fixture
def cloud_config(tmp_path: Path) -> CloudConfig:
    template = tmp_path / "node.yaml"
    template.write_text("#cloud-config\nwrite_files:\n- path: /etc/ip\n  content: ${private_ip}\n")
    return CloudConfig(str(template))


def one_server(cloud_config: CloudConfig, image: str = "debian-12", protect: bool = True) -> None:
    router = Router("edge", RouterArgs(external_network="public"))
    network = PrivateNetwork("app", PrivateNetworkArgs(cidr="10.9.0.0/24", router=router))
    group = SecurityGroup(
        "app", SecurityGroupArgs(description="app", ingress=[IngressRule(80, "0.0.0.0/0")])
    )
    Server(
        "db",
        ServerArgs(
            role="db",
            image=image,
            flavor="m1.small",
            network=network,
            security_groups=[group],
            cloud_config=cloud_config,
            data_volume=DataVolumeArgs(size_gb=10, protect=protect),
            public_address=PublicAddress("db", PublicAddressArgs(pool="public")),
        ),
    )


def every_component(cloud_config: CloudConfig, opts: pulumi.ResourceOptions) -> None:
    """Each component of the library once, all given the same ``opts``."""
    router = Router("edge", RouterArgs(external_network="public"), opts)
    network = PrivateNetwork("app", PrivateNetworkArgs(cidr="10.9.0.0/24", router=router), opts)
    group = SecurityGroup(
        "web", SecurityGroupArgs(description="web", ingress=[IngressRule(80, "0.0.0.0/0")]), opts
    )
    image = GlanceImage(
        "appliance", GlanceImageArgs(source_url="https://example.org/a.qcow2"), opts
    )
    key = KeyPair("ops", KeyPairArgs(public_key="ssh-ed25519 AAAAC3Nza ops@example"), opts)
    GeneratedKeyPair("lab", opts)
    server = Server(
        "web",
        ServerArgs(
            role="web",
            image="debian-12",
            flavor="m1.small",
            network=network,
            security_groups=[group],
            cloud_config=cloud_config,
            key_pair=key.key_pair_name,
            data_volume=DataVolumeArgs(size_gb=1),
            public_address=PublicAddress("web", PublicAddressArgs(pool="public"), opts),
        ),
        opts,
    )
    Server(
        "appliance",
        ServerArgs(
            role="appliance",
            image=IMAGE_ID,
            flavor="m1.small",
            network=network,
            security_groups=[group],
            cloud_config=cloud_config,
        ),
        pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[image])),
    )
    LoadBalancer(
        "web",
        LoadBalancerArgs(
            network=network,
            members=[PoolMember("web", server.private_ip)],
            public_address=PublicAddress("lb", PublicAddressArgs(pool="public"), opts),
        ),
        opts,
    )
    KeystoneProject(
        "tenant",
        KeystoneProjectArgs(
            users=[ProjectUser("alice"), ProjectUser("ldap-bob", existing=True)],
            quotas=ProjectQuotas(instances=4, networks=2, volumes=3),
            operator_role="admin",
            region="RegionTwo",
        ),
        opts,
    )
    HeatStack(
        "workers",
        HeatStackArgs(
            template=hot_template(
                description="workers",
                parameters={"size": {"type": "number"}},
                resources={},
            ),
            parameters={"size": "2"},
        ),
        opts,
    )
    ObjectContainer("backups", ObjectContainerArgs(versioning=True), opts)


# --- explicit providers --------------------------------------------------------


def test_every_component_builds_through_its_explicit_provider(
    cloud_config: CloudConfig,
) -> None:
    providers: list[openstack.Provider] = []

    def program() -> None:
        tenant = openstack.Provider("tenant", region="RegionTwo")
        providers.append(tenant)
        every_component(cloud_config, pulumi.ResourceOptions(provider=tenant))

    monitor = run_under_mocks(program, Cloud())
    tenant = monitor.named("pulumi:providers:openstack", "tenant")
    on_openstack = [o for o in monitor.options.values() if o.type.startswith("openstack:")]
    assert len(on_openstack) > 30, "every component registered its resources"
    # A Keystone project's quotas go through the provider scoped to it, in its region.
    scoped = monitor.named("pulumi:providers:openstack", "tenant-scoped")
    assert registrations(monitor)[scoped.urn].inputs["region"] == "RegionTwo"
    quotas = {o.type for o in on_openstack if o.provider.rsplit("::", 1)[0] == scoped.urn}
    assert quotas == {
        "openstack:compute/quotaSetV2:QuotaSetV2",
        "openstack:networking/quotaV2:QuotaV2",
        "openstack:blockstorage/quoteSetV3:QuoteSetV3",
    }
    assert {o.provider.rsplit("::", 1)[0] for o in on_openstack} == {tenant.urn, scoped.urn}
    invokes = [i for i in monitor.invokes if i.token.startswith("openstack:")]
    assert {i.token for i in invokes} >= {
        "openstack:networking/getNetwork:getNetwork",
        "openstack:images/getImage:getImage",
        "openstack:identity/getRole:getRole",
        "openstack:identity/getUser:getUser",
        "openstack:identity/getAuthScope:getAuthScope",
    }
    assert {i.provider.rsplit("::", 1)[0] for i in invokes} == {tenant.urn}


def test_without_a_provider_everything_is_on_the_default_one(cloud_config: CloudConfig) -> None:
    monitor = run_under_mocks(
        lambda: every_component(cloud_config, pulumi.ResourceOptions()), Cloud()
    )
    scoped = monitor.named("pulumi:providers:openstack", "tenant-scoped").urn
    on_openstack = [o for o in monitor.options.values() if o.type.startswith("openstack:")]
    assert {o.provider.rsplit("::", 1)[0] for o in on_openstack} == {"", scoped}


def test_a_project_provider_waits_for_the_operator_role() -> None:
    def program() -> None:
        tenant = KeystoneProject("acme", KeystoneProjectArgs(operator_role="member"))
        project_provider("acme", tenant.project_id, access=tenant.operator_access)

    monitor = run_under_mocks(program, Cloud())
    provider = monitor.named("pulumi:providers:openstack", "acme")
    grant = monitor.named(
        "openstack:identity/roleAssignment:RoleAssignment", "acme-operator-member"
    )
    assert grant.urn in provider.depends_on
    registration = registrations(monitor)[grant.urn]
    assert registration.inputs["userId"] == "operator-user-id"
    assert registration.inputs["roleId"] == "role-member"
    project = monitor.named("openstack:identity/project:Project", "acme")
    assert (
        registrations(monitor)[provider.urn].inputs["tenantId"]
        == registrations(monitor)[project.urn].id
    )


# --- servers: replacement, protection, images ------------------------------------


def test_a_server_frees_its_port_and_volume_before_it_is_replaced(
    cloud_config: CloudConfig,
) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config))
    instance = monitor.named(INSTANCE, "db")
    attachment = monitor.named(ATTACH, "db-data")
    assert instance.delete_before_replace
    assert set(instance.replace_on_changes) == {"flavorName", "flavorId"}, "no resize"
    assert attachment.delete_before_replace
    assert attachment.deleted_with == instance.urn
    port = monitor.named("openstack:networking/port:Port", "db")
    assert not port.delete_before_replace and not port.protect


def test_only_the_data_volume_is_protected(cloud_config: CloudConfig) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config))
    protected = {o.type for o in monitor.options.values() if o.protect}
    assert protected == {VOLUME}


def test_the_protection_of_data_can_be_switched_off(cloud_config: CloudConfig) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config, protect=False))
    assert not any(o.protect for o in monitor.options.values())


def test_a_server_boots_the_newest_image_of_its_name_pinned_in_a_stash(
    cloud_config: CloudConfig,
) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config, image="debian-12"))
    (lookup,) = [i for i in monitor.invokes if i.token.endswith("getImage")]
    stash = monitor.named(STASH, "db-image")
    assert stash.parent == monitor.named("osbp:compute:Server", "db").urn
    assert stash.replacement_trigger == "debian-12"
    found = registrations(monitor)[stash.urn]
    instance = registrations(monitor)[monitor.named(INSTANCE, "db").urn]
    assert instance.inputs["imageId"] == found.outputs["output"] == found.inputs["input"]
    assert "imageName" not in instance.inputs
    assert lookup.token == "openstack:images/getImage:getImage"


def test_the_image_lookup_takes_the_most_recent_of_duplicates(cloud_config: CloudConfig) -> None:
    seen: list[dict[str, Any]] = []

    class Watching(Cloud):
        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
            if args.token.endswith("getImage"):
                seen.append(dict(args.args))
            return super().call(args)

    run_under_mocks(lambda: one_server(cloud_config), Watching())
    assert seen == [{"name": "debian-12", "mostRecent": True}]


def test_an_image_id_is_used_as_given(cloud_config: CloudConfig) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config, image=IMAGE_ID))
    assert not [i for i in monitor.invokes if i.token.endswith("getImage")]
    assert not [o for o in monitor.options.values() if o.type == STASH]
    instance = registrations(monitor)[monitor.named(INSTANCE, "db").urn]
    assert instance.inputs["imageId"] == IMAGE_ID


def test_one_image_id_resolved_through_a_given_provider(cloud_config: CloudConfig) -> None:
    """Servers in many projects boot one image id, pinned once by the operator's provider."""

    def program() -> None:
        operator = openstack.Provider("operator")
        image_id = pinned_image_id("image", "debian-12", provider=operator)
        router = Router("edge", RouterArgs(external_network="public"))
        network = PrivateNetwork("app", PrivateNetworkArgs(cidr="10.9.0.0/24", router=router))
        for name in ("a", "b"):
            Server(
                name,
                ServerArgs(role="app", image="", image_id=image_id, flavor="m1.small",
                           network=network, security_groups=[], cloud_config=cloud_config),
            )  # fmt: skip

    monitor = run_under_mocks(program, Cloud())
    operator = monitor.named("pulumi:providers:openstack", "operator")
    (lookup,) = [i for i in monitor.invokes if i.token.endswith("getImage")]
    assert lookup.provider.rsplit("::", 1)[0] == operator.urn
    assert len([o for o in monitor.options.values() if o.type == STASH]) == 1
    pinned = registrations(monitor)[monitor.named(STASH, "image").urn].outputs["output"]
    for name in ("a", "b"):
        assert registrations(monitor)[monitor.named(INSTANCE, name).urn].inputs["imageId"] == pinned


def test_a_server_port_may_send_from_a_virtual_ip(cloud_config: CloudConfig) -> None:
    def program() -> None:
        network = PrivateNetwork("app", PrivateNetworkArgs(cidr="10.9.0.0/24"))
        Server(
            "lb",
            ServerArgs(role="lb", image=IMAGE_ID, flavor="m1.small", network=network,
                       security_groups=[], cloud_config=cloud_config,
                       allowed_addresses=["10.9.0.100"]),
        )  # fmt: skip
        Server(
            "plain",
            ServerArgs(role="app", image=IMAGE_ID, flavor="m1.small", network=network,
                       security_groups=[], cloud_config=cloud_config),
        )  # fmt: skip

    monitor = run_under_mocks(program)
    ports = {r.name: r for r in registrations(monitor).values() if r.type == PORT}
    assert ports["lb"].inputs["allowedAddressPairs"] == [{"ipAddress": "10.9.0.100"}]
    assert "allowedAddressPairs" not in ports["plain"].inputs


def test_the_load_balancer_vip_and_its_floating_ip_sit_on_a_port_of_its_own(
    cloud_config: CloudConfig,
) -> None:
    def program() -> None:
        router = Router("edge", RouterArgs(external_network="public"))
        network = PrivateNetwork("app", PrivateNetworkArgs(cidr="10.9.0.0/24", router=router))
        LoadBalancer(
            "web",
            LoadBalancerArgs(
                network=network,
                members=[PoolMember("a", "10.9.0.10")],
                public_address=PublicAddress("web", PublicAddressArgs(pool="public")),
            ),
        )

    monitor = run_under_mocks(program)
    found = registrations(monitor)
    vip = found[monitor.named(PORT, "web-vip").urn]
    balancer = found[monitor.named(LOAD_BALANCER, "web").urn]
    association = found[monitor.named(FLOATING_IP_ASSOCIATE, "web").urn]
    assert balancer.inputs["vipPortId"] == vip.id == association.inputs["portId"]
    assert balancer.inputs["vipAddress"] == vip.outputs["allFixedIps"][0]
    assert balancer.outputs["vipPortId"] == vip.id, "Octavia keeps the port it was given"


def test_the_floating_ip_waits_for_the_router_interface(cloud_config: CloudConfig) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config))
    association = monitor.named(
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate", "db"
    )
    interface = monitor.named("openstack:networking/routerInterface:RouterInterface", "app")
    assert interface.urn in association.depends_on
    assert association.deleted_with == ""


# --- physical names ------------------------------------------------------------


def test_physical_names_carry_project_and_stack(cloud_config: CloudConfig) -> None:
    monitor = run_under_mocks(lambda: one_server(cloud_config), project="shop", stack="staging")
    names = {
        r.name: r.inputs.get("name")
        for r in registrations(monitor).values()
        if r.type in (INSTANCE, VOLUME, "openstack:networking/network:Network")
    }
    assert names == {
        "db": "shop-staging-db",
        "db-data": "shop-staging-db-data",
        "app": "shop-staging-app",
    }


def test_two_stacks_of_one_project_get_distinct_names(cloud_config: CloudConfig) -> None:
    def names(stack: str) -> set[str]:
        monitor = run_under_mocks(lambda: one_server(cloud_config), stack=stack)
        return {
            str(r.inputs["name"]) for r in registrations(monitor).values() if "name" in r.inputs
        }

    assert names("dev").isdisjoint(names("prod"))


def test_long_names_are_shortened_with_a_hash_within_the_limit() -> None:
    long = "a-very-long-project-name-" * 4
    first, second = shorten(long + "one", 64), shorten(long + "two", 64)
    assert len(first) == len(second) == KEYSTONE_PROJECT_NAME_LIMIT
    assert first != second
    assert first.startswith("a-very-long-project-name-")
    assert shorten("short", 64) == "short"


def test_quotas_need_the_operator_to_be_admin_of_the_project() -> None:
    def program() -> None:
        KeystoneProject("acme", KeystoneProjectArgs(quotas=ProjectQuotas(instances=2)))

    with pytest.raises(Exception, match="acme: quotas are set by an admin of the project"):
        run_under_mocks(program, Cloud())


def test_scoping_credentials_are_refused_when_they_pin_one_scope() -> None:
    assert scoped_credentials_problem({"OS_AUTH_URL": "x", "OS_USERNAME": "admin"}) is None
    assert scoped_credentials_problem({"OS_SYSTEM_SCOPE": "all"}) is not None
    problem = scoped_credentials_problem({"OS_CLOUD": "mine", "OS_PROJECT_NAME": "admin"})
    assert problem is not None
    assert "OS_CLOUD, OS_PROJECT_NAME fix one scope" in problem
    assert "OS_USER_DOMAIN_NAME only" in problem and "\n" not in problem


def test_keystone_projects_fit_keystones_64_characters() -> None:
    def program() -> None:
        KeystoneProject("x" * 80, KeystoneProjectArgs(operator_role=None))

    monitor = run_under_mocks(program, Cloud())
    (project,) = [
        r for r in registrations(monitor).values() if r.type == "openstack:identity/project:Project"
    ]
    assert len(project.inputs["name"]) == 64


# --- destroy order ---------------------------------------------------------------


def test_children_that_die_with_their_parent_skip_their_own_delete(
    cloud_config: CloudConfig,
) -> None:
    monitor = run_under_mocks(
        lambda: every_component(cloud_config, pulumi.ResourceOptions()), Cloud()
    )
    by_urn = monitor.options

    def deleted_with(type_suffix: str) -> set[str]:
        return {
            by_urn[o.deleted_with].type.split(":")[-1]
            for o in by_urn.values()
            if o.type.endswith(type_suffix)
        }

    assert deleted_with("subnet:Subnet") == {"Network"}
    assert deleted_with("secGroupRule:SecGroupRule") == {"SecGroup"}
    assert deleted_with("volumeAttach:VolumeAttach") == {"Instance"}
    assert deleted_with("member:Member") == {"Pool"}
    assert deleted_with("monitor:Monitor") == {"Pool"}
    assert deleted_with("roleAssignment:RoleAssignment") == {"Project"}
    assert deleted_with("quotaSetV2:QuotaSetV2") == {"Project"}
    # Neutron refuses to delete what a router interface still uses.
    for kept in ("routerInterface:RouterInterface", "port:Port", "network:Network"):
        assert all(o.deleted_with == "" for o in by_urn.values() if o.type.endswith(kept))


# --- Keystone, Heat, Glance ------------------------------------------------------


def test_a_tenant_project_has_users_roles_and_quotas() -> None:
    def program() -> None:
        KeystoneProject(
            "acme",
            KeystoneProjectArgs(
                users=[
                    ProjectUser("alice", roles=("member", "load-balancer_member")),
                    ProjectUser("bob", existing=True),
                ],
                quotas=ProjectQuotas(cores=8, ram_mb=16384, floating_ips=2, volume_gigabytes=100),
                operator_role="admin",
            ),
        )

    monitor = run_under_mocks(program, Cloud())
    found = registrations(monitor)
    users = [r for r in found.values() if r.type == "openstack:identity/user:User"]
    assert [u.inputs["name"] for u in users] == ["shop-staging-alice"], "bob is looked up"
    assert isinstance(users[0].inputs["password"], Secret)
    grants = sorted(
        (r.inputs["userId"], r.inputs["roleId"])
        for r in found.values()
        if r.type == "openstack:identity/roleAssignment:RoleAssignment"
    )
    assert grants == sorted(
        [
            (users[0].id, "role-member"),
            (users[0].id, "role-load-balancer_member"),
            ("user-bob", "role-member"),
            ("operator-user-id", "role-admin"),
        ]
    )
    kinds = {r.type.split(":")[-1]: r for r in found.values()}
    quotas = {kind: r.inputs for kind, r in kinds.items() if kind in QUOTAS}
    project_id = next(r.id for r in found.values() if r.type.endswith("project:Project"))
    assert quotas == {
        "QuotaSetV2": {"projectId": project_id, "cores": 8, "ram": 16384},
        "QuotaV2": {"projectId": project_id, "floatingip": 2},
        "QuoteSetV3": {"projectId": project_id, "gigabytes": 100},
    }


def test_a_heat_template_is_rendered_from_data() -> None:
    template = hot_template(
        description="workers",
        parameters={"flavor": {"type": "string"}},
        resources={"group": {"type": "OS::Heat::ResourceGroup", "properties": {"count": 2}}},
        outputs={"ids": {"value": {"get_attr": ["group", "refs"]}}},
    )

    def program() -> None:
        HeatStack("workers", HeatStackArgs(template=template, parameters={"flavor": "m1.small"}))

    monitor = run_under_mocks(program)
    (stack,) = [r for r in registrations(monitor).values() if r.type.endswith("stackV1:StackV1")]
    assert json.loads(stack.inputs["templateOpts"]["Bin"]) == template
    assert template["heat_template_version"] == "2021-04-16"
    assert stack.inputs["parameters"] == {"flavor": "m1.small"}
    assert stack.inputs["name"] == "shop-staging-workers"


def test_a_heat_stack_refuses_parameters_its_template_lacks() -> None:
    template = hot_template(description="empty", parameters={}, resources={})
    with pytest.raises(ValueError, match=r"not in the template: \['flavor'\]"):
        HeatStack("workers", HeatStackArgs(template=template, parameters={"flavor": "x"}))


def test_a_glance_image_comes_from_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        GlanceImageArgs()
    with pytest.raises(ValueError, match="exactly one"):
        GlanceImageArgs(source_url="https://example.org/a.img", local_file="a.img")


def test_a_glance_image_carries_its_properties() -> None:
    def program() -> None:
        GlanceImage(
            "target",
            GlanceImageArgs(local_file="/srv/target.qcow2", properties={"hw_vif_model": "e1000"}),
        )

    monitor = run_under_mocks(program)
    (image,) = [r for r in registrations(monitor).values() if r.type.endswith("image:Image")]
    assert image.inputs["properties"] == {"hw_vif_model": "e1000"}
    assert image.inputs["localFilePath"] == "/srv/target.qcow2"
    assert image.inputs["visibility"] == "private"


def registrations(monitor: OptionsMonitor) -> dict[str, Registration]:
    return monitor.registrations
