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
class Settings:
    frontend_cidr: str
    """CIDR of the frontend subnet (the WordPress tier)"""
    backend_cidr: str
    """CIDR of the backend subnet (the MySQL tier)"""
    admin_cidr: str
    """Network allowed to SSH to the nodes; empty keeps SSH closed"""
    external_network: str
    """Name of the external network for the router and the floating IP"""
    image: str
    """Glance image of both nodes (Debian or Ubuntu with cloud-init)"""
    web_flavor: str
    """Nova flavor of the WordPress VM"""
    db_flavor: str
    """Nova flavor of the MySQL VM"""
    db_volume_size: int
    """Size in GB of the Cinder volume holding the database"""
    db_volume_type: str
    """Cinder volume type of the database volume; empty uses the cloud's default"""
    public_key: str
    """SSH public key installed on both nodes; empty installs none"""
    protect_data: bool
    """Protect the database volume from deletion (pulumi destroy refuses until unprotected)"""
    admin_user: str
    """Login of the WordPress administrator (its password is generated)"""
    admin_email: str
    """E-mail address of the WordPress administrator"""
    site_hostname: str
    """Host name the site is served under (its DNS record points at the floating IP); empty uses
    the floating IP
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
            frontend_cidr=values["frontend_cidr"],
            backend_cidr=values["backend_cidr"],
            admin_cidr=values["admin_cidr"],
            external_network=values["external_network"],
            image=values["image"],
            web_flavor=values["web_flavor"],
            db_flavor=values["db_flavor"],
            db_volume_size=values["db_volume_size"],
            db_volume_type=values["db_volume_type"],
            public_key=values["public_key"],
            protect_data=values["protect_data"],
            admin_user=values["admin_user"],
            admin_email=values["admin_email"],
            site_hostname=values["site_hostname"],
        )
