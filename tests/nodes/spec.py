"""What the harness boots: one NodeSpec per node, as the generated program describes it."""

import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataDisk:
    serial: str  # what the guest sees as /dev/disk/by-id/virtio-<serial> (at most 20 chars)
    size_gib: int


@dataclass
class NodeSpec:
    """One server: a Pulumi Instance, or a server another service creates (e.g. Heat) from
    user data the program rendered (see ``BlueprintChecks.extra_nodes``)."""

    role: str  # unique per deployment: the name checks use
    hostname: str
    user_data: str  # the rendered #cloud-config, byte for byte what the program produced
    # private addresses with their subnet's prefix, one per port, in the server's NIC order
    addresses: list[ipaddress.IPv4Interface]
    disks: list[DataDisk] = field(default_factory=list)

    @property
    def address(self) -> ipaddress.IPv4Interface:
        """The first port's address (where the node's services are reached by default)."""
        return self.addresses[0]


@dataclass
class Deployment:
    """All nodes of one baked blueprint plus the secrets the checks must not find in clear."""

    blueprint: str
    nodes: list[NodeSpec]
    secrets: dict[str, str]  # name -> value (revealed from the capture)

    def node(self, role: str) -> NodeSpec:
        for n in self.nodes:
            if n.role == role:
                return n
        raise KeyError(f"no node with role {role!r}; roles: {[n.role for n in self.nodes]}")

    def segment_network(self) -> ipaddress.IPv4Network:
        """Smallest network holding every node's subnet: the harness's stand-in for the router.

        The VMs share one L2 segment. Each node's first NIC gets this prefix, so it reaches the
        other subnets directly, with its own source address, as through an OpenStack router
        (which does not NAT between a project's subnets); further NICs keep their subnet's
        prefix, whose more specific route wins for their own subnet.
        """
        nets = [a.network for n in self.nodes for a in n.addresses]
        net = nets[0]
        while not all(x.subnet_of(net) for x in nets):
            net = net.supernet()
        return net
