"""Typed view of this stack's configuration (see ``Pulumi.yaml`` for defaults)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Settings:
    frontend_cidr: str
    backend_cidr: str
    admin_cidr: str
    """Source of SSH access; empty keeps SSH closed."""
    external_network: str
    image: str
    web_flavor: str
    db_flavor: str
    db_volume_size: int
    db_volume_type: str
    """Cinder volume type; empty uses the cloud's default type."""
    public_key: str
    """SSH public key installed on both nodes; empty installs none."""
    protect_data: bool
    """Protect the database volume from deletion."""
    admin_user: str
    admin_email: str
    site_hostname: str
    """Host name of the site; empty serves it under the floating IP."""

    @classmethod
    def load(cls) -> Settings:
        config = pulumi.Config()
        return cls(
            frontend_cidr=config.require("frontendCidr"),
            backend_cidr=config.require("backendCidr"),
            admin_cidr=config.get("adminCidr") or "",
            external_network=config.require("externalNetwork"),
            image=config.require("image"),
            web_flavor=config.require("webFlavor"),
            db_flavor=config.require("dbFlavor"),
            db_volume_size=config.require_int("dbVolumeSize"),
            db_volume_type=config.get("dbVolumeType") or "",
            public_key=config.get("publicKey") or "",
            protect_data=config.get_bool("protectData") is not False,
            admin_user=config.require("adminUser"),
            admin_email=config.require("adminEmail"),
            site_hostname=config.get("siteHostname") or "",
        )
