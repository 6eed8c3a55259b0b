"""A branch stack: one environment VM in its developer's project, on their network."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components import (
    CloudConfig,
    DataVolumeArgs,
    KeyPair,
    KeyPairArgs,
    PrivateNetwork,
    PublicAddress,
    PublicAddressArgs,
    SecurityGroup,
    Server,
    ServerArgs,
)
from settings import Toolchain

RUNTIMES = {
    "docker": ("docker.io", "docker"),
    "podman": ("podman", "podman.socket"),
}
"""Container runtime -> (Debian package, systemd unit that must be active)."""
WORK_MOUNT = "/srv/work"


class TeamNetwork(PrivateNetwork):
    """The developer's network, made by the team stack: known here by its ids only.

    A ``PrivateNetwork`` for ``Server``, without creating anything: its subnet
    is looked up (through the developer's own credentials, so a network they
    cannot see fails here, at preview).
    """

    def __init__(
        self,
        name: str,
        network_id: pulumi.Input[str],
        subnet_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        pulumi.ComponentResource.__init__(self, "osbp:devplatform:TeamNetwork", name, None, opts)
        subnet = openstack.networking.get_subnet_output(
            subnet_id=subnet_id, network_id=network_id, opts=pulumi.InvokeOptions(parent=self)
        )
        self.network_id = subnet.network_id
        self.subnet_id = subnet.id
        self.cidr = ""
        self.register_outputs({"network_id": self.network_id, "subnet_id": self.subnet_id})


class TeamSecurityGroup(SecurityGroup):
    """The developer's environment security group, made by the team stack (by id)."""

    def __init__(
        self, name: str, group_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        pulumi.ComponentResource.__init__(
            self, "osbp:devplatform:TeamSecurityGroup", name, None, opts
        )
        self.group_id = pulumi.Output.from_input(group_id)
        self.register_outputs({"group_id": self.group_id})


@dataclass
class BranchEnvironmentArgs:
    developer: str
    ssh_public_key: str
    team: dict[str, pulumi.Output[str]]
    """The developer's ids from the team stack: network_id, subnet_id, security_group_id."""
    image: str
    image_user: str
    flavor: str
    volume_size: int
    volume_type: str
    external_network: str
    container_runtime: str
    toolchains: Sequence[Toolchain]


class BranchEnvironment(pulumi.ComponentResource):
    """The branch's VM with its toolbox, its own volume and a floating IP.

    A Cinder volume attaches to one server at a time, so every branch gets a
    fresh volume of its own (mounted on ``/srv/work``), deleted with the branch:
    two branches of one developer run side by side. The developer's persistent
    volume (team stack) is for what must outlive branches; it is attached by hand
    to one environment at a time.
    """

    public_ip: pulumi.Output[str]
    volume_id: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(
        self, name: str, args: BranchEnvironmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:devplatform:BranchEnvironment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        network = TeamNetwork(f"{name}-net", args.team["network_id"], args.team["subnet_id"], child)
        firewall = TeamSecurityGroup(f"{name}-env", args.team["security_group_id"], child)
        key_pair = KeyPair(name, KeyPairArgs(public_key=args.ssh_public_key), child)
        address = PublicAddress(name, PublicAddressArgs(pool=args.external_network), child)
        package, unit = RUNTIMES[args.container_runtime]
        server = Server(
            name,
            ServerArgs(
                role="devenv",
                image=args.image,
                flavor=args.flavor,
                network=network,
                security_groups=[firewall],
                key_pair=key_pair.key_pair_name,
                public_address=address,
                data_volume=DataVolumeArgs(
                    size_gb=args.volume_size,
                    volume_type=args.volume_type or None,
                    protect=False,
                ),
                cloud_config=CloudConfig(
                    "cloud-init/devenv.yaml",
                    {
                        "packages": json.dumps(
                            ["git", package, *(t.package for t in args.toolchains)]
                        ),
                        "runtime_unit": unit,
                        "toolchain_commands": json.dumps([t.command for t in args.toolchains]),
                        "work_mount": WORK_MOUNT,
                    },
                ),
            ),
            child,
        )
        assert server.volume_id is not None
        self.volume_id = server.volume_id
        self.public_ip = address.address
        self.url = pulumi.Output.concat("ssh://", args.image_user, "@", address.address)
        self.register_outputs({"public_ip": self.public_ip, "volume_id": self.volume_id})
