"""Typed view of this stack's configuration, generated from the blueprint's spec.

``Settings.load()`` checks every value with the rules ``osbp new`` applied to the
answers (``components/validation.py`` is the same module, ``config-spec.json`` the
same spec), so a wrong value in ``Pulumi.<stack>.yaml`` stops ``pulumi preview``
and ``pulumi up`` with one line naming its config key, before anything is planned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components.validation import ValidationError, validate_config

SPEC: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "config-spec.json").read_text(encoding="utf-8")
)
"""The parameters and cross-field rules of this project's config."""


@dataclass(frozen=True)
class Developer:
    """One item of ``developers``."""

    name: str
    """Short login-like name (lowercase letters and digits, no dash), the prefix of their
    branches
    """
    email: str
    """E-mail address, recorded on the Keystone user"""
    ssh_public_key: str
    """OpenSSH public key installed on the developer's environment VMs"""
    existing_user: str
    """Name of an existing Keystone user (e.g. from LDAP) to use instead of creating one"""


@dataclass(frozen=True)
class DeveloperQuotas:
    """One value of ``quotas``."""

    instances: int
    """Servers"""
    cores: int
    """vCPUs"""
    ram_mb: int
    """RAM in MB"""
    volumes: int
    """Cinder volumes"""
    gigabytes: int
    """Total volume size in GB"""
    networks: int
    """Neutron networks"""
    ports: int
    """Neutron ports (router and DHCP take 2)"""
    floating_ips: int
    """Floating IPs (one per branch environment)"""


@dataclass(frozen=True)
class Toolchain:
    """One item of ``toolchains``."""

    package: str
    """Distribution package"""
    command: str
    """Command answering with the toolchain's version (e.g. node --version, go version)"""


@dataclass(frozen=True)
class Settings:
    developers: list[Developer]
    """The team's developers: each gets a Keystone project under the team's, a user (or an
    existing one, by name), a network and a volume; a branch named `<name>/...` or
    `<name>-...` is theirs
    """
    quotas: DeveloperQuotas
    """Quotas of each developer project (defaults from the guide - 5 instances, 16 GB of RAM, 10
    volumes)
    """
    admin_cidr: str
    """Network (office, VPN) allowed to SSH to the environments; empty keeps SSH closed"""
    external_network: str
    """External network of the routers and the floating IPs"""
    network_type: str
    """vxlan leaves each developer network to Neutron's tenant network type; vlan makes them
    provider VLANs on physical_network (the operator then holds the admin role in each
    developer project)
    """
    physical_network: str
    """Physical network of the VLANs (network_type vlan only)"""
    vlan_ids: list[int]
    """VLAN id of each developer's network, in the order of developers (network_type vlan); a
    developer without one gets a VLAN id Neutron picks from its range
    """
    subnet_cidr: str
    """Subnet of each developer network (each is isolated in its own project, so they may repeat)"""
    persistent_volume_size: int
    """Size in GB of each developer's persistent volume (their data across branches)"""
    volume_type: str
    """Cinder volume type of the persistent and branch volumes (e.g. ceph); empty uses the
    cloud's default
    """
    protect_data: bool
    """Protect the developers' persistent volumes from deletion (pulumi destroy refuses until
    unprotected)
    """
    image: str
    """Glance image of the environment VMs (Debian or Ubuntu with cloud-init)"""
    image_user: str
    """Default login of that image (debian, ubuntu), in the environment's URL"""
    env_flavor: str
    """Nova flavor of the environment VMs"""
    env_volume_size: int
    """Size in GB of each branch environment's own volume, mounted on /srv/work"""
    container_runtime: str
    """Container runtime of the environments, from the distribution (docker.io's daemon, or
    podman's socket)
    """
    toolchains: list[Toolchain]
    """Language toolchains installed on every environment (Debian packages) and the command that
    prints each one's version
    """

    @classmethod
    def load(cls) -> Settings:
        """This stack's config, checked; a wrong value raises one ``RunError`` line."""
        config = pulumi.Config()
        raw = {p["name"]: config.get(p["config_key"]) for p in SPEC["parameters"]}
        try:
            values = validate_config(SPEC, raw)
        except ValidationError as error:
            raise pulumi.RunError(str(error)) from None
        return cls(
            developers=[Developer(**item) for item in values["developers"]],
            quotas=DeveloperQuotas(**values["quotas"]),
            admin_cidr=values["admin_cidr"],
            external_network=values["external_network"],
            network_type=values["network_type"],
            physical_network=values["physical_network"],
            vlan_ids=values["vlan_ids"],
            subnet_cidr=values["subnet_cidr"],
            persistent_volume_size=values["persistent_volume_size"],
            volume_type=values["volume_type"],
            protect_data=values["protect_data"],
            image=values["image"],
            image_user=values["image_user"],
            env_flavor=values["env_flavor"],
            env_volume_size=values["env_volume_size"],
            container_runtime=values["container_runtime"],
            toolchains=[Toolchain(**item) for item in values["toolchains"]],
        )
