"""An Octavia load balancer: a VIP on a private subnet, one listener, one pool.

The listener forwards to a pool of members (servers' addresses) that a health
monitor checks; a floating IP, if given, is bound to the VIP's port.

The VIP's port is the program's own (``vip_port_id``), not one Octavia makes: its
address is known before the load balancer exists, the floating IP follows the
port rather than whatever Octavia reports, and a provider driver that plugs no
port (Octavia's noop drivers) still leaves a real Neutron port to bind it to.
Octavia leaves a port it did not create in place when the load balancer goes,
and the engine deletes it afterwards (the load balancer depends on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name
from components.network import PrivateNetwork
from components.server import PublicAddress


@dataclass(frozen=True)
class PoolMember:
    """A backend: a name (for its logical resource) and its address on the VIP's network."""

    name: str
    address: pulumi.Input[str]


@dataclass
class LoadBalancerArgs:
    network: PrivateNetwork
    """Where the VIP and the members are."""
    members: Sequence[PoolMember]
    protocol: str = "HTTP"
    """Listener and pool protocol: ``HTTP``, ``HTTPS`` (passed through), ``TCP``..."""
    port: int = 80
    member_port: int = 80
    method: str = "ROUND_ROBIN"
    health_check_path: str | None = "/"
    """HTTP path the monitor requests; ``None`` checks with a TCP connect only."""
    allowed_cidrs: Sequence[str] = field(default_factory=list)
    """Sources the listener admits; empty admits any."""
    public_address: PublicAddress | None = None


class LoadBalancer(pulumi.ComponentResource):
    """Load balancer, listener, pool, members and health monitor.

    Octavia deletes a pool's members and its health monitor with the pool, and
    every delete on a load balancer waits for it to become ACTIVE again: the
    members and the monitor are ``deleted_with`` the pool, which turns N+1
    serialized deletes into one. The listener and the pool are deleted one by
    one (Octavia refuses to delete a load balancer that still has them).
    """

    vip_address: pulumi.Output[str]
    vip_port_id: pulumi.Output[str]
    pool_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:loadbalancer:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        vip = openstack.networking.Port(
            f"{name}-vip",
            name=physical_name(f"{name}-vip"),
            network_id=args.network.network_id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=args.network.subnet_id)],
            opts=child,
        )
        balancer = openstack.loadbalancer.LoadBalancer(
            name,
            name=physical_name(name),
            vip_port_id=vip.id,
            vip_subnet_id=args.network.subnet_id,
            vip_address=vip.all_fixed_ips[0],
            opts=child,
        )
        listener = openstack.loadbalancer.Listener(
            name,
            name=physical_name(name),
            loadbalancer_id=balancer.id,
            protocol=args.protocol,
            protocol_port=args.port,
            allowed_cidrs=list(args.allowed_cidrs) or None,
            opts=child,
        )
        pool = openstack.loadbalancer.Pool(
            name,
            name=physical_name(name),
            listener_id=listener.id,
            protocol=args.protocol,
            lb_method=args.method,
            opts=child,
        )
        with_pool = pulumi.ResourceOptions(parent=self, deleted_with=pool)
        http_check = args.health_check_path is not None and args.protocol.startswith("HTTP")
        openstack.loadbalancer.Monitor(
            name,
            name=physical_name(name),
            pool_id=pool.id,
            type=args.protocol if http_check else "TCP",
            url_path=args.health_check_path if http_check else None,
            expected_codes="200-399" if http_check else None,
            delay=5,
            timeout=3,
            max_retries=3,
            opts=with_pool,
        )
        for member in args.members:
            openstack.loadbalancer.Member(
                f"{name}-{member.name}",
                name=physical_name(f"{name}-{member.name}"),
                pool_id=pool.id,
                address=member.address,
                protocol_port=args.member_port,
                subnet_id=args.network.subnet_id,
                opts=with_pool,
            )
        if args.public_address is not None:
            openstack.networking.FloatingIpAssociate(
                name,
                floating_ip=args.public_address.address,
                port_id=vip.id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.network]),
            )
        self.vip_address = vip.all_fixed_ips[0]
        self.vip_port_id = vip.id
        self.pool_id = pool.id
        self.register_outputs({"vip_address": self.vip_address})
