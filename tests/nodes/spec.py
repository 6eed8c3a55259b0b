"""What the harness boots: one NodeSpec per node role, as the generated program describes it."""

import ipaddress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DataDisk:
    serial: str  # what the guest sees as /dev/disk/by-id/virtio-<serial> (at most 20 chars)
    size_gib: int


@dataclass
class NodeSpec:
    role: str
    hostname: str
    user_data: str  # the rendered #cloud-config, byte for byte what the program produced
    address: ipaddress.IPv4Interface  # private address with its subnet's prefix
    disks: list[DataDisk] = field(default_factory=list)


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

        The VMs share one L2 segment and get this prefix, so each reaches the other subnets
        directly, with its own source address, as through an OpenStack router (which does not
        NAT between a project's subnets).
        """
        nets = [n.address.network for n in self.nodes]
        net = nets[0]
        while not all(x.subnet_of(net) for x in nets):
            net = net.supernet()
        return net
