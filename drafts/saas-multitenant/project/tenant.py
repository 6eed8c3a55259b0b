"""One customer: its project, user and quotas, and what runs inside the project."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components import (
    CloudConfig,
    DataVolumeArgs,
    IngressRule,
    KeystoneProject,
    KeystoneProjectArgs,
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
    physical_name,
)
from hosting import SERVICE_PORT, FrontDoorArgs, HostingPlan, front_door
from settings import Plan, Tenant

TENANT_TAG = "osbp-tenant"
"""Keystone tag of every tenant project: the dashboard's operator view lists these."""
HEADROOM_PORTS = 6
"""Ports a tenant network needs beyond its VMs: router, DHCP, VIP, HAProxy pair, spare."""


@dataclass
class TenantSpaceArgs:
    tenant: Tenant
    plan: Plan
    hosting: HostingPlan


class TenantSpace(pulumi.ComponentResource):
    """A tenant's isolated project and the service it buys.

    Isolation is by Keystone project (a tenant's user is a member of its own project
    only: Nova, Neutron and Cinder list and let it touch nothing else) and by network:
    its own VLAN or vxlan segment, its own router, and a firewall admitting the service
    port from the load balancer's subnet only.
    """

    password: pulumi.Output[str]
    project_id: pulumi.Output[str]
    outputs: dict[str, pulumi.Input[str | int]]

    def __init__(
        self, name: str, args: TenantSpaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:saas:TenantSpace", name, None, opts)
        tenant, plan, hosting = args.tenant, args.plan, args.hosting
        project = KeystoneProject(
            name,
            KeystoneProjectArgs(
                description=f"SaaS tenant {tenant.name} (plan {plan.name})",
                users=[ProjectUser(name=tenant.name, roles=("member",), email=tenant.email)],
                quotas=tenant_quotas(plan, tenant.vms),
                operator_role="admin",  # quotas and provider VLANs are admin-only
                tags=(TENANT_TAG,),
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.password = project.passwords[tenant.name]
        self.project_id = project.project_id
        inside = pulumi.ResourceOptions(parent=self, provider=project.provider)
        vlan = tenant.vlan_id > 0
        router = Router(
            f"{name}-router", RouterArgs(external_network=hosting.external_network), inside
        )
        network = PrivateNetwork(
            f"{name}-net",
            PrivateNetworkArgs(
                cidr=tenant.cidr,
                router=router,
                network_type="vlan" if vlan else None,
                physical_network=hosting.physical_network if vlan else None,
                segmentation_id=tenant.vlan_id if vlan else None,
            ),
            inside,
        )
        admin_ssh = (
            [IngressRule(22, hosting.admin_cidr, description="SSH from administrators")]
            if hosting.admin_cidr
            else []
        )
        app_firewall = SecurityGroup(
            f"{name}-app",
            SecurityGroupArgs(
                description=f"App VMs of {tenant.name}: HTTP from the load balancer's subnet",
                ingress=[
                    IngressRule(SERVICE_PORT, tenant.cidr, description="load balancer"),
                    *admin_ssh,
                ],
            ),
            inside,
        )
        apps = [
            Server(
                f"{name}-app-{index}",
                ServerArgs(
                    role="app",
                    image="",
                    image_id=hosting.image_id,
                    flavor=plan.flavor,
                    network=network,
                    security_groups=[app_firewall],
                    data_volume=DataVolumeArgs(
                        size_gb=plan.volume_size, protect=hosting.protect_data
                    ),
                    cloud_config=CloudConfig(
                        "cloud-init/app.yaml",
                        {"tenant": tenant.name, "node": f"{tenant.name}-app-{index}"},
                    ),
                ),
                inside,
            )
            for index in range(1, tenant.vms + 1)
        ]
        address = PublicAddress(
            f"{name}-service", PublicAddressArgs(pool=hosting.external_network), inside
        )
        door = front_door(
            f"{name}-lb", FrontDoorArgs(tenant.name, network, apps, hosting, admin_ssh), inside
        )
        openstack.networking.FloatingIpAssociate(
            f"{name}-service",
            floating_ip=address.address,
            port_id=door.vip_port_id,
            opts=pulumi.ResourceOptions.merge(inside, pulumi.ResourceOptions(depends_on=[network])),
        )
        self.outputs = {
            "project_id": project.project_id,
            "user_name": physical_name(tenant.name),
            "network_id": network.network_id,
            "subnet_id": network.subnet_id,
            "network_type": "vlan" if vlan else "vxlan",
            "vlan_id": tenant.vlan_id,
            "vip_address": door.vip_address,
            "public_ip": address.address,
            "service_url": pulumi.Output.concat("http://", address.address, "/"),
        }
        self.register_outputs(dict(self.outputs))


def tenant_quotas(plan: Plan, vms: int) -> ProjectQuotas:
    """The plan's limits; Neutron's cover the tenant's own network, router and ports."""
    return ProjectQuotas(
        instances=plan.instances,
        cores=plan.cores,
        ram_mb=plan.ram_mb,
        volumes=plan.volumes,
        volume_gigabytes=plan.gigabytes,
        networks=1,
        subnets=1,
        routers=1,
        ports=vms + HEADROOM_PORTS,
        floating_ips=1,
    )
