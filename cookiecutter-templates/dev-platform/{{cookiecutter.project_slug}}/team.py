"""The team stack: the team's project, and a project, user and network per developer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components import (
    IngressRule,
    KeystoneProject,
    KeystoneProjectArgs,
    PrivateNetwork,
    PrivateNetworkArgs,
    ProjectQuotas,
    ProjectUser,
    Router,
    RouterArgs,
    SecurityGroup,
    SecurityGroupArgs,
    physical_name,
)
from settings import Developer, DeveloperQuotas


@dataclass
class NetworkPlan:
    """How every developer network is laid out."""

    external_network: str
    subnet_cidr: str
    network_type: str
    """``vxlan``: Neutron's tenant network type; ``vlan``: a provider VLAN."""
    physical_network: str
    vlan_ids: Sequence[int]
    """By developer, in order; a developer past the end gets a VLAN id picked by Neutron."""


@dataclass
class TeamPlatformArgs:
    developers: Sequence[Developer]
    quotas: DeveloperQuotas
    network: NetworkPlan
    admin_cidr: str
    """SSH source of the environments; empty keeps SSH closed."""
    persistent_volume_size: int
    volume_type: str
    protect_data: bool


@dataclass
class DeveloperSpaceArgs:
    developer: Developer
    index: int
    team_project_id: pulumi.Input[str]
    team: TeamPlatformArgs


class DeveloperSpace(pulumi.ComponentResource):
    """One developer's isolated project: user, roles, quotas, network, firewall, volume.

    Isolation is by Keystone project: Nova, Neutron and Cinder show and let a
    member change only their own project's servers, ports and volumes, so no
    developer can delete, attach to or put a port on another's resources.
    """

    project_id: pulumi.Output[str]
    password: pulumi.Output[str] | None
    """The generated Keystone password (secret); ``None`` for an existing user."""
    outputs: dict[str, pulumi.Input[str]]
    """What the developer's branch stacks read (``StackReference``): plain ids only."""

    def __init__(
        self, name: str, args: DeveloperSpaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:devplatform:DeveloperSpace", name, None, opts)
        developer, plan = args.developer, args.team.network
        vlan = plan.network_type == "vlan"
        user_name = developer.existing_user or developer.name
        project = KeystoneProject(
            name,
            KeystoneProjectArgs(
                description=f"Development project of {developer.name} <{developer.email}>",
                parent_id=args.team_project_id,
                users=[
                    ProjectUser(
                        name=user_name,
                        roles=("member",),
                        existing=bool(developer.existing_user),
                        email=developer.email,
                    )
                ],
                quotas=developer_quotas(args.team.quotas),
                # Quotas, and a VLAN's provider attributes, are admin-only.
                operator_role="admin",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.project_id = project.project_id
        self.password = project.passwords.get(user_name)
        user_id = project.user_ids[user_name]
        reader = openstack.identity.get_role_output(
            name="reader", opts=pulumi.InvokeOptions(parent=self)
        )
        openstack.identity.RoleAssignment(
            f"{name}-team-reader",
            project_id=args.team_project_id,
            user_id=user_id,
            role_id=reader.id,
            opts=pulumi.ResourceOptions(parent=self),
        )

        # Everything below lands in the developer's project, through the provider scoped
        # to it that authenticates only once the operator's role there exists.
        scoped = project.provider
        inside = pulumi.ResourceOptions(parent=self, provider=scoped)
        router = Router(
            f"{name}-router", RouterArgs(external_network=plan.external_network), inside
        )
        network = PrivateNetwork(
            f"{name}-net",
            PrivateNetworkArgs(
                cidr=plan.subnet_cidr,
                router=router,
                network_type="vlan" if vlan else None,
                physical_network=plan.physical_network if vlan else None,
                segmentation_id=(
                    plan.vlan_ids[args.index] if vlan and args.index < len(plan.vlan_ids) else None
                ),
            ),
            inside,
        )
        admin_cidr = args.team.admin_cidr
        firewall = SecurityGroup(
            f"{name}-env",
            SecurityGroupArgs(
                description=f"Environments of {developer.name}: SSH from administrators only",
                ingress=[IngressRule(22, admin_cidr, description="SSH from administrators")]
                if admin_cidr
                else [],
            ),
            inside,
        )
        volume = openstack.blockstorage.Volume(
            f"{name}-persistent",
            name=physical_name(f"{name}-persistent"),
            description=f"Persistent data of {developer.name}, across branch environments",
            size=args.team.persistent_volume_size,
            volume_type=args.team.volume_type or None,
            opts=pulumi.ResourceOptions(
                parent=self, provider=scoped, protect=args.team.protect_data
            ),
        )
        self.outputs = {
            "project_id": project.project_id,
            "user_name": physical_name(user_name) if not developer.existing_user else user_name,
            "network_id": network.network_id,
            "subnet_id": network.subnet_id,
            "security_group_id": firewall.group_id,
            "persistent_volume_id": volume.id,
        }
        self.register_outputs(dict(self.outputs))


def developer_quotas(quotas: DeveloperQuotas) -> ProjectQuotas:
    return ProjectQuotas(
        instances=quotas.instances,
        cores=quotas.cores,
        ram_mb=quotas.ram_mb,
        volumes=quotas.volumes,
        volume_gigabytes=quotas.gigabytes,
        networks=quotas.networks,
        ports=quotas.ports,
        floating_ips=quotas.floating_ips,
    )


class TeamPlatform(pulumi.ComponentResource):
    """The team's Keystone project and, under it, one ``DeveloperSpace`` per developer."""

    team_project_id: pulumi.Output[str]
    developers: dict[str, DeveloperSpace]

    def __init__(
        self, name: str, args: TeamPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:devplatform:TeamPlatform", name, None, opts)
        team = KeystoneProject(
            name,
            KeystoneProjectArgs(
                description="The team's project: parent of each developer's",
                operator_role=None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.team_project_id = team.project_id
        self.developers = {
            developer.name: DeveloperSpace(
                developer.name,
                DeveloperSpaceArgs(developer, index, team.project_id, args),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for index, developer in enumerate(args.developers)
        }
        self.register_outputs({"team_project_id": self.team_project_id})
