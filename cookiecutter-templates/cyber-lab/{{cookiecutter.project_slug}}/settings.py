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
class LabImage:
    """One item of ``images``."""

    name: str
    """Name of the image in this config (VMs refer to it)"""
    url: str
    """URL Glance downloads the image from"""
    file: str
    """Local file uploaded by pulumi up"""
    disk_format: str
    """Glance disk format"""
    container_format: str
    """Glance container format"""
    vif_model: str
    """hw_vif_model (emulated NIC the image's drivers expect)"""
    disk_bus: str
    """hw_disk_bus"""
    video_model: str
    """hw_video_model"""
    os_distro: str
    """os_distro property (e.g. debian or kali)"""


@dataclass(frozen=True)
class LabVm:
    """One item of ``vms``."""

    name: str
    """Name of the VM (name-1, name-2... when count > 1)"""
    role: str
    """attacker (tools) or target (services)"""
    image: str
    """An image of images or the name of an existing Glance image"""
    flavor: str
    """Nova flavor"""
    count: int
    """How many identical VMs"""
    fixed_ip: str
    """Address on the lab subnet (the next ones follow when count > 1)"""


@dataclass(frozen=True)
class Settings:
    lab_cidr: str
    """CIDR of the lab subnet (no router, no gateway); its first 16 hosts are kept for fixed
    addresses
    """
    management_cidr: str
    """CIDR of the management subnet (the jump host, routed to the external network)"""
    admin_cidr: str
    """Network allowed to SSH to the jump host; empty keeps SSH closed"""
    allow_ssh_from_anywhere: bool
    """Accept 0.0.0.0/0 as adminCidr (SSH to the jump host from the whole Internet)"""
    external_network: str
    """Name of the external network for the management router and the jump host's floating IP"""
    jump_public_ip: bool
    """Give the jump host a floating IP (lab VMs never get one)"""
    jump_image: str
    """Glance image of the jump host (Debian 12 or later with cloud-init)"""
    jump_flavor: str
    """Nova flavor of the jump host"""
    lab_user: str
    """Default user of the lab images (Ansible logs in as this user with the lab key)"""
    admin_rights: bool
    """The stack runs with admin rights; the lab network then asks Neutron for the vxlan provider
    type explicitly
    """
    strict_egress: bool
    """Delete Neutron's allow-all egress rules of the lab groups, so lab traffic never leaves the
    lab subnet
    """
    target_services: list[str]
    """Services every target exposes on the lab network (http = Apache, ftp = vsftpd); SSH always"""
    images: list[LabImage]
    """Glance images the stack uploads (exactly one of url or file each)"""
    vms: list[LabVm]
    """The lab's VMs"""

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
            lab_cidr=values["lab_cidr"],
            management_cidr=values["management_cidr"],
            admin_cidr=values["admin_cidr"],
            allow_ssh_from_anywhere=values["allow_ssh_from_anywhere"],
            external_network=values["external_network"],
            jump_public_ip=values["jump_public_ip"],
            jump_image=values["jump_image"],
            jump_flavor=values["jump_flavor"],
            lab_user=values["lab_user"],
            admin_rights=values["admin_rights"],
            strict_egress=values["strict_egress"],
            target_services=values["target_services"],
            images=[LabImage(**item) for item in values["images"]],
            vms=[LabVm(**item) for item in values["vms"]],
        )
