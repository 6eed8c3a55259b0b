"""A Nova server with its port, an optional data volume and an optional public address.

How a server is replaced
------------------------
``user_data`` and the key pair cannot change on a running Nova server: a
change replaces the ``Instance``. So does a flavor change, on purpose
(``replace_on_changes``): Nova's resize is a cold migration that needs a second
compute host (or ``allow_resize_to_same_host``) and fails with ``NoValidHost``
on a single-host cloud, while a node here keeps nothing on its root disk.
Pulumi's default is create before delete, but the old server still holds this
node's port (its fixed address, which other nodes' configuration and the
floating IP point at) and the data volume's attachment, so Nova refuses the
new one (``409 Port ... is still in use``) and ``up`` stops half-way. The port
and the volume are kept on purpose, so the replacement has to free them first:

- the ``Instance`` is ``delete_before_replace``: the node is down for the time
  of one boot, and keeps its address and its floating IP (both sit on the
  port, which is not replaced);
- the ``VolumeAttach`` is ``delete_before_replace`` and ``deleted_with`` the
  instance: its ``instance_id`` changes, so it is replaced too, after the new
  server exists. Deleting a server detaches its volumes in Nova, so on destroy
  the engine skips a detach call (and its wait) for an attachment whose server
  goes away;
- the ``Volume`` itself is never replaced by a server change (nothing of the
  server is among its inputs) and is re-attached to the new server, whose
  cloud-init finds the file system already there.

A new image id (see ``components.image``) rebuilds the server in place
(pulumi-openstack 5.x): same server, port and attachments, a fresh root disk,
and cloud-init runs again.

Why only the volume is protected
--------------------------------
``protect`` is set on the data ``Volume`` alone (``DataVolumeArgs.protect``),
never on this component: protection is inherited by children, so a protected
server would also protect its instance and port, and every replacement above
would fail. With the volume protected, ``pulumi destroy`` fails in its preview
with Pulumi's own "cannot be deleted because it is protected" error and deletes
nothing (with ``--skip-preview`` it deletes the rest and keeps the volume,
detached); ``pulumi destroy --exclude-protected`` removes everything but the
data on purpose, and ``pulumi state unprotect <urn>`` lifts the protection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components.image import pinned_image_id
from components.naming import physical_name
from components.network import PrivateNetwork
from components.security_group import SecurityGroup
from components.user_data import CloudConfig


@dataclass
class DataVolumeArgs:
    """A Cinder volume attached to the server for data that must outlive it."""

    size_gb: int
    volume_type: str | None = None
    protect: bool = True
    """Refuse to delete the volume (``pulumi destroy``, a replacing change) until unprotected."""


@dataclass
class PublicAddressArgs:
    pool: str
    """External network to take the floating IP from."""


class PublicAddress(pulumi.ComponentResource):
    """A floating IP, allocated before its server so that its address can go into
    the server's configuration (a site URL); ``ServerArgs.public_address`` binds it."""

    address: pulumi.Output[str]
    floating_ip_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: PublicAddressArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:network:PublicAddress", name, None, opts)
        floating_ip = openstack.networking.FloatingIp(
            name,
            pool=args.pool,
            description=physical_name(name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.address = floating_ip.address
        self.floating_ip_id = floating_ip.id
        self.register_outputs({"address": self.address})


@dataclass
class ServerArgs:
    role: str
    """Node role, recorded in the server's metadata (``osbp-role``)."""
    image: str
    """Glance image name (pinned at first boot, see ``components.image``) or image id."""
    flavor: str
    network: PrivateNetwork
    security_groups: Sequence[SecurityGroup]
    cloud_config: CloudConfig
    key_pair: pulumi.Input[str] | None = None
    data_volume: DataVolumeArgs | None = None
    public_address: PublicAddress | None = None
    """Floating IP bound to this server's port; the network must be routed."""
    fixed_ip: str | None = None
    """The port's address on ``network``; ``None`` lets Neutron choose one."""
    config_drive: bool = False
    """Give the server its metadata on a config drive: a network without a router has no
    metadata service (unless the cloud runs isolated metadata)."""
    image_id: pulumi.Input[str] | None = None
    """An image the stack uploads itself (``GlanceImage.image_id``), booted as is; ``image``
    then only names it."""
    more_ports: Sequence[PortArgs] = ()
    """Further ports, on further networks, in NIC order after the first (a jump host's
    leg on the network it administers)."""
    allowed_addresses: Sequence[pulumi.Input[str]] = ()
    """Further addresses the first port may send from (a virtual IP that keepalived
    moves between servers); Neutron's anti-spoofing drops any other source."""


@dataclass
class PortArgs:
    """One more port of a server: its network, security groups and optional address."""

    network: PrivateNetwork
    security_groups: Sequence[SecurityGroup]
    fixed_ip: str | None = None
    allowed_addresses: Sequence[pulumi.Input[str]] = ()


class Server(pulumi.ComponentResource):
    """One node of the architecture.

    The port is created first so that the node's own address is known when its
    cloud-init is rendered (``${private_ip}``); likewise the data volume's stable
    device path (``${data_device}``). Security groups sit on the port, which is
    where Neutron enforces them.
    """

    port_id: pulumi.Output[str]
    private_ip: pulumi.Output[str]
    more_port_ids: list[pulumi.Output[str]]
    more_ips: list[pulumi.Output[str]]
    instance_id: pulumi.Output[str]
    instance_urn: pulumi.Output[str]
    volume_id: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: ServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:compute:Server", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        first = PortArgs(
            args.network, args.security_groups, args.fixed_ip, args.allowed_addresses
        )
        port = _port(name, first, child)
        self.port_id = port.id
        self.private_ip = port.all_fixed_ips[0]
        more_ports = [
            _port(f"{name}-{index}", extra, child)
            for index, extra in enumerate(args.more_ports, start=1)
        ]
        self.more_port_ids = [extra.id for extra in more_ports]
        self.more_ips = [extra.all_fixed_ips[0] for extra in more_ports]
        """The addresses of ``more_ports``, in their order."""

        facts: dict[str, pulumi.Input[str]] = {"private_ip": self.private_ip}
        volume = None
        if args.data_volume is not None:
            volume = openstack.blockstorage.Volume(
                f"{name}-data",
                name=physical_name(f"{name}-data"),
                size=args.data_volume.size_gb,
                volume_type=args.data_volume.volume_type,
                opts=pulumi.ResourceOptions(parent=self, protect=args.data_volume.protect),
            )
            facts["data_device"] = volume.id.apply(stable_device_path)
        self.volume_id = volume.id if volume is not None else None

        instance = openstack.compute.Instance(
            name,
            name=physical_name(name),
            image_id=(
                args.image_id
                if args.image_id is not None
                else pinned_image_id(f"{name}-image", args.image, parent=self)
            ),
            flavor_name=args.flavor,
            key_pair=args.key_pair,
            networks=[
                openstack.compute.InstanceNetworkArgs(port=nic.id) for nic in [port, *more_ports]
            ],
            config_drive=True if args.config_drive else None,
            user_data=args.cloud_config.render(facts),
            metadata={"osbp-role": args.role},
            opts=pulumi.ResourceOptions(
                parent=self,
                delete_before_replace=True,
                replace_on_changes=["flavor_name", "flavor_id"],
            ),
        )
        self.instance_id = instance.id
        self.instance_urn = instance.urn
        """What ``pulumi up --replace`` takes to rebuild this node from its image."""

        if volume is not None:
            openstack.compute.VolumeAttach(
                f"{name}-data",
                instance_id=instance.id,
                volume_id=volume.id,
                opts=pulumi.ResourceOptions(
                    parent=self, delete_before_replace=True, deleted_with=instance
                ),
            )

        if args.public_address is not None:
            # Neutron associates a floating IP only with a port whose subnet has a
            # router interface to the floating IP's network: wait for the network's.
            # Not deleted_with the floating IP: the association must go before the
            # router interface, which Neutron keeps while a floating IP uses it.
            openstack.networking.FloatingIpAssociate(
                name,
                floating_ip=args.public_address.address,
                port_id=port.id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[args.network]),
            )

        self.register_outputs(
            {
                "instance_id": self.instance_id,
                "private_ip": self.private_ip,
                "volume_id": self.volume_id,
            }
        )


def _port(name: str, nic: PortArgs, opts: pulumi.ResourceOptions) -> openstack.networking.Port:
    """A server's port on ``nic.network``, with its security groups and optional address."""
    return openstack.networking.Port(
        name,
        name=physical_name(name),
        network_id=nic.network.network_id,
        fixed_ips=[
            openstack.networking.PortFixedIpArgs(
                subnet_id=nic.network.subnet_id, ip_address=nic.fixed_ip
            )
        ],
        security_group_ids=[group.group_id for group in nic.security_groups],
        allowed_address_pairs=[
            openstack.networking.PortAllowedAddressPairArgs(ip_address=address)
            for address in nic.allowed_addresses
        ]
        or None,
        opts=opts,
    )


def stable_device_path(volume_id: str) -> str:
    """Where a guest sees a Cinder volume whatever order disks were attached in.

    Nova passes the volume id as the virtio serial, which the guest truncates to
    20 characters.
    """
    return f"/dev/disk/by-id/virtio-{volume_id[:20]}"
