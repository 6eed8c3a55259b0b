"""A Nova server with its port and an optional data volume."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components.network import PrivateNetwork
from components.security_group import SecurityGroup
from components.user_data import CloudConfig


@dataclass
class DataVolumeArgs:
    """A Cinder volume attached to the server for data that must outlive it."""

    size_gb: int
    volume_type: str | None = None


@dataclass
class ServerArgs:
    role: str
    """Node role, recorded in the server's metadata (``osbp-role``)."""
    image: str
    flavor: str
    network: PrivateNetwork
    security_groups: Sequence[SecurityGroup]
    cloud_config: CloudConfig
    key_pair: pulumi.Input[str] | None = None
    data_volume: DataVolumeArgs | None = None


class Server(pulumi.ComponentResource):
    """One node of the architecture.

    The port is created first so that the node's own address is known when its
    cloud-init is rendered (``${private_ip}``); likewise the data volume's stable
    device path (``${data_device}``). Security groups sit on the port, which is
    where Neutron enforces them.
    """

    port_id: pulumi.Output[str]
    private_ip: pulumi.Output[str]
    instance_id: pulumi.Output[str]
    volume_id: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: ServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:compute:Server", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        port = openstack.networking.Port(
            name,
            name=name,
            network_id=args.network.network_id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=args.network.subnet_id)],
            security_group_ids=[group.group_id for group in args.security_groups],
            opts=child,
        )
        self.port_id = port.id
        self.private_ip = port.all_fixed_ips[0]

        facts: dict[str, pulumi.Input[str]] = {"private_ip": self.private_ip}
        volume = None
        if args.data_volume is not None:
            volume = openstack.blockstorage.Volume(
                f"{name}-data",
                name=f"{name}-data",
                size=args.data_volume.size_gb,
                volume_type=args.data_volume.volume_type,
                opts=child,
            )
            facts["data_device"] = volume.id.apply(stable_device_path)
        self.volume_id = volume.id if volume is not None else None

        instance = openstack.compute.Instance(
            name,
            name=name,
            image_name=args.image,
            flavor_name=args.flavor,
            key_pair=args.key_pair,
            networks=[openstack.compute.InstanceNetworkArgs(port=port.id)],
            user_data=args.cloud_config.render(facts),
            metadata={"osbp-role": args.role},
            opts=child,
        )
        self.instance_id = instance.id

        if volume is not None:
            openstack.compute.VolumeAttach(
                f"{name}-data", instance_id=instance.id, volume_id=volume.id, opts=child
            )

        self.register_outputs(
            {
                "instance_id": self.instance_id,
                "private_ip": self.private_ip,
                "volume_id": self.volume_id,
            }
        )


def stable_device_path(volume_id: str) -> str:
    """Where a guest sees a Cinder volume whatever order disks were attached in.

    Nova passes the volume id as the virtio serial, which the guest truncates to
    20 characters.
    """
    return f"/dev/disk/by-id/virtio-{volume_id[:20]}"


@dataclass
class PublicAddressArgs:
    port_id: pulumi.Input[str]
    network: PrivateNetwork
    """The routed network the port is on: the association needs its router interface."""
    pool: str
    """External network to take the floating IP from."""


class PublicAddress(pulumi.ComponentResource):
    """A floating IP associated with a server's port: the node's only public face."""

    address: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicAddressArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:network:PublicAddress", name, None, opts)
        floating_ip = openstack.networking.FloatingIp(
            name, pool=args.pool, opts=pulumi.ResourceOptions(parent=self)
        )
        openstack.networking.FloatingIpAssociate(
            name,
            floating_ip=floating_ip.address,
            port_id=args.port_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.network]),
        )
        self.address = floating_ip.address
        self.register_outputs({"address": self.address})
