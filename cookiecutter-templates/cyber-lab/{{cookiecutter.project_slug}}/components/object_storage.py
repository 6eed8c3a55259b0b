"""A Swift container for a stack's objects (backups, artifacts, a static site)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name

SWIFT_CONTAINER_NAME_LIMIT = 256


@dataclass
class ObjectContainerArgs:
    versioning: bool = False
    """Keep older versions of overwritten objects (Swift's object versioning)."""
    public_read: bool = False
    """Anyone may read objects (``.r:*``); listing stays private."""
    protect: bool = True
    """Refuse to delete the container (``pulumi destroy``) until unprotected.
    Even unprotected, a container that still holds objects is not emptied:
    Swift refuses to delete it, so objects are never deleted by Pulumi."""


class ObjectContainer(pulumi.ComponentResource):
    """An object storage container, private unless asked, kept on destroy while protected."""

    container_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ObjectContainerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:objectstorage:ObjectContainer", name, None, opts)
        container = openstack.objectstorage.Container(
            name,
            name=physical_name(name, SWIFT_CONTAINER_NAME_LIMIT),
            versioning=args.versioning,
            container_read=".r:*" if args.public_read else None,
            force_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.container_name = container.name
        self.register_outputs({"container_name": self.container_name})
