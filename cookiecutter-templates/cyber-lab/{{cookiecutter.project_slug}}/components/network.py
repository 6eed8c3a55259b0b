"""Tenant networking: a router to the outside and private networks behind it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name


@dataclass
class RouterArgs:
    """A router whose gateway sits on an existing external (provider) network."""

    external_network: str
    """Name of the external network that carries floating IPs and SNAT."""


class Router(pulumi.ComponentResource):
    """Neutron router with its gateway on the external network.

    The external network is looked up by name because it belongs to the cloud
    operator, not to this stack.
    """

    router_id: pulumi.Output[str]
    external_network_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: RouterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:network:Router", name, None, opts)
        external = openstack.networking.get_network_output(
            name=args.external_network,
            external=True,
            opts=pulumi.InvokeOptions(parent=self),
        )
        self.external_network_id = external.id
        router = openstack.networking.Router(
            name,
            name=physical_name(name),
            external_network_id=external.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.router_id = router.id
        self.register_outputs({"router_id": self.router_id})


@dataclass
class PrivateNetworkArgs:
    """A tenant network with one IPv4 subnet, optionally routed."""

    cidr: str
    router: Router | None = None
    """Attach the subnet to this router; ``None`` keeps the network isolated."""
    dns_nameservers: Sequence[str] = field(default_factory=list)
    network_type: str | None = None
    """Provider network type (``vlan``, ``vxlan``); ``None`` lets Neutron choose."""
    physical_network: str | None = None
    """Physical network of a ``vlan`` (or ``flat``) segment."""
    segmentation_id: int | None = None
    """VLAN id (or VNI) of the segment; ``None`` lets Neutron pick one from its range."""
    enable_dhcp: bool = True
    reserved_hosts: int = 0
    """Keep the first N host addresses (after the gateway, if any) out of Neutron's
    allocation pool, so fixed addresses given to ports there never collide with one
    Neutron hands out (its DHCP port's, another port's)."""


class PrivateNetwork(pulumi.ComponentResource):
    """Network + subnet (+ router interface): the unit every tier is placed on."""

    network_id: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    cidr: str

    def __init__(
        self, name: str, args: PrivateNetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:network:PrivateNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        segments = (
            [
                openstack.networking.NetworkSegmentArgs(
                    network_type=args.network_type,
                    physical_network=args.physical_network,
                    segmentation_id=args.segmentation_id,
                )
            ]
            if args.network_type
            else None
        )
        network = openstack.networking.Network(
            name, name=physical_name(name), admin_state_up=True, segments=segments, opts=child
        )
        # Deleting a network deletes its subnets in Neutron: the engine skips the
        # subnet's own delete call, one step less in series on destroy.
        subnet = openstack.networking.Subnet(
            name,
            name=physical_name(name),
            network_id=network.id,
            cidr=args.cidr,
            ip_version=4,
            enable_dhcp=args.enable_dhcp,
            no_gateway=args.router is None,
            dns_nameservers=list(args.dns_nameservers) or None,
            allocation_pools=allocation_pools(
                args.cidr, args.router is not None, args.reserved_hosts
            ),
            opts=pulumi.ResourceOptions(parent=self, deleted_with=network),
        )
        if args.router is not None:
            # Not deleted_with anything: Neutron refuses to delete a router, a
            # subnet or a network while a router interface is on it.
            openstack.networking.RouterInterface(
                name, router_id=args.router.router_id, subnet_id=subnet.id, opts=child
            )
        self.network_id = network.id
        self.subnet_id = subnet.id
        self.cidr = args.cidr
        self.register_outputs({"network_id": self.network_id, "subnet_id": self.subnet_id})


def allocation_pools(
    cidr: str, routed: bool, reserved_hosts: int
) -> list[openstack.networking.SubnetAllocationPoolArgs] | None:
    """Neutron's default pool (every host but the gateway) minus ``reserved_hosts``."""
    if not reserved_hosts:
        return None
    network = ipaddress.IPv4Network(cidr)
    first = network.network_address + 1 + (1 if routed else 0) + reserved_hosts
    last = network.broadcast_address - 1
    if first > last:
        raise ValueError(f"{cidr} has no address left after {reserved_hosts} reserved hosts")
    return [openstack.networking.SubnetAllocationPoolArgs(start=str(first), end=str(last))]
