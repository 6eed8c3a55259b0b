"""How every tenant is hosted: the choices shared by all tenants, and the HA front door."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components import (
    CloudConfig,
    IngressRule,
    LoadBalancer,
    LoadBalancerArgs,
    NetworkRule,
    PoolMember,
    PrivateNetwork,
    SecurityGroup,
    SecurityGroupArgs,
    Server,
    ServerArgs,
    physical_name,
)

VRRP = "112"
"""IP protocol number of VRRP, keepalived's heartbeat between the HAProxy pair."""
SERVICE_PORT = 80


@dataclass(frozen=True)
class HostingPlan:
    """Settings every tenant shares."""

    load_balancer: str
    """``octavia`` or ``haproxy``."""
    haproxy_flavor: str
    external_network: str
    physical_network: str
    operations_cidr: str
    public_cidr: str
    admin_cidr: str
    image_id: pulumi.Input[str]
    protect_data: bool


@dataclass
class FrontDoorArgs:
    tenant: str
    network: PrivateNetwork
    members: Sequence[Server]
    hosting: HostingPlan
    admin_ssh: Sequence[IngressRule]


class HaproxyPair(pulumi.ComponentResource):
    """The guide's HAProxy as an active/standby pair holding a virtual IP.

    The standard OpenStack pattern for an HA address: a reserved Neutron port owns the
    VIP (and its floating IP), both HAProxy ports may send from it (allowed address
    pairs, else Neutron's anti-spoofing drops the traffic), and keepalived moves it
    between them with VRRP, which their security group admits from each other only.
    """

    vip_address: pulumi.Output[str]
    vip_port_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:saas:HaproxyPair", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vip = openstack.networking.Port(
            f"{name}-vip",
            name=physical_name(f"{name}-vip"),
            network_id=args.network.network_id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=args.network.subnet_id)],
            description="keepalived virtual IP of the HAProxy pair (no device)",
            opts=child,
        )
        self.vip_address = vip.all_fixed_ips[0]
        self.vip_port_id = vip.id
        firewall = SecurityGroup(
            f"{name}-pair",
            SecurityGroupArgs(
                description=f"HAProxy pair of {args.tenant}: HTTP from customers, VRRP inside",
                ingress=[
                    IngressRule(SERVICE_PORT, args.hosting.public_cidr, description="customers"),
                    *args.admin_ssh,
                ],
                rules=[
                    NetworkRule(
                        "ingress",
                        args.network.cidr,
                        protocol=VRRP,
                        description="keepalived VRRP between the pair",
                    )
                ],
            ),
            child,
        )
        backends = pulumi.Output.all(*[m.private_ip for m in args.members]).apply(
            lambda ips: " ".join(str(ip) for ip in ips)
        )
        for priority, role in ((150, "MASTER"), (100, "BACKUP")):
            node = f"{name}-{role.lower()}"
            Server(
                node,
                ServerArgs(
                    role="haproxy",
                    image="",
                    image_id=args.hosting.image_id,
                    flavor=args.hosting.haproxy_flavor,
                    network=args.network,
                    security_groups=[firewall],
                    allowed_addresses=[self.vip_address],
                    cloud_config=CloudConfig(
                        "cloud-init/haproxy.yaml",
                        {
                            "tenant": args.tenant,
                            "vip": self.vip_address,
                            "backends": backends,
                            "vrrp_state": role,
                            "vrrp_priority": str(priority),
                        },
                    ),
                ),
                child,
            )
        self.register_outputs({"vip_address": self.vip_address})


@dataclass(frozen=True)
class FrontDoor:
    """Where the tenant's service is reached inside its network: the VIP and its port."""

    vip_address: pulumi.Output[str]
    vip_port_id: pulumi.Output[str]


def front_door(name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions) -> FrontDoor:
    """The tenant's load balancer as configured.

    The floating IP's association stays with the caller: one resource whichever load
    balancer is chosen, so switching between them moves it (an update) instead of a new
    association racing the old one's delete for the same floating IP.
    """
    if args.hosting.load_balancer == "haproxy":
        pair = HaproxyPair(name, args, opts)
        return FrontDoor(pair.vip_address, pair.vip_port_id)
    balancer = LoadBalancer(
        name,
        LoadBalancerArgs(
            network=args.network,
            members=[PoolMember(f"app-{i}", m.private_ip) for i, m in enumerate(args.members, 1)],
            port=SERVICE_PORT,
            member_port=SERVICE_PORT,
            health_check_path="/healthz",
            allowed_cidrs=[args.hosting.public_cidr],
        ),
        opts,
    )
    return FrontDoor(balancer.vip_address, balancer.vip_port_id)
