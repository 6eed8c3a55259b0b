"""Glance images: the image a server boots (pinned), and images a stack uploads.

Why servers pin their image
---------------------------
Clouds rotate images: ``ubuntu-22.04`` is re-uploaded every few weeks under
the same name, and for a while two images carry it. Booting by name
(``image_name``) therefore fails when two images share the name, and after a
rotation and a ``pulumi refresh`` the next ``up`` sees a new image id and
rebuilds every server (a fresh root disk), unasked.

``pinned_image_id`` resolves the name once, to the most recent image of that
name (``most_recent=True``, so duplicates are not an error), and keeps that id
in the state in a ``pulumi.Stash``: a Stash saves its input when it is created
and keeps it while later inputs change. Servers boot from the stashed id, so a
rotated image changes nothing until somebody asks for it:

- ``pulumi up --replace <urn of the Stash>`` (the URN ends in
  ``pulumi:index:Stash::<server>-image``; ``pulumi stack --show-urns`` lists it)
  re-resolves the name to today's newest image; the server follows because
  its image id changed: Nova rebuilds it in place from the new image (same
  port, same volumes, cloud-init runs again). Nothing else is touched.

After a rotation, ``pulumi preview`` shows the Stash alone as updated
(``~input``): it records the newest id it saw while its output, the pin, stays;
this is the sign that a newer image is available.
- Changing the configured image name (``pulumi config set image debian-12``)
  is a deliberate choice too: the name is the Stash's ``replacement_trigger``,
  so the Stash is re-created and the servers move to the new image.
- An image id (a UUID) instead of a name is used as is: the pin is explicit.

``ignore_changes`` on the server's image would not do: the engine keeps the
ignored old value even when the server is replaced, so a deliberate
``--replace`` of the server would boot the old image again; for the same
reason the Stash's own input is not ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def is_image_id(image: str) -> bool:
    return bool(_UUID.fullmatch(image))


def pinned_image_id(
    name: str,
    image: str,
    parent: pulumi.Resource | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> pulumi.Output[str]:
    """The id of ``image`` (a name or an id) as first resolved for ``parent``.

    ``name`` is the Stash's logical name; ``parent`` places the lookup and the
    Stash on the parent's provider, ``provider`` on that one (one image id for
    servers in many projects, resolved once by the operator's provider).
    """
    if is_image_id(image):
        return pulumi.Output.from_input(image)
    newest = openstack.images.get_image_output(
        name=image,
        most_recent=True,
        opts=pulumi.InvokeOptions(parent=parent, provider=provider),
    )
    pin = pulumi.Stash(
        name,
        input=newest.id,
        opts=pulumi.ResourceOptions(parent=parent, replacement_trigger=image),
    )
    return cast(pulumi.Output[str], pin.output)


@dataclass
class GlanceImageArgs:
    """An image uploaded by this stack, from a URL (Glance downloads it) or a local file."""

    source_url: str | None = None
    local_file: str | None = None
    disk_format: str = "qcow2"
    container_format: str = "bare"
    min_disk_gb: int | None = None
    min_ram_mb: int | None = None
    visibility: str = "private"
    """``private`` keeps the image to this OpenStack project; ``shared`` or ``public``
    need the rights to publish."""
    properties: Mapping[str, str] = field(default_factory=dict)
    """Glance properties Nova acts on, e.g. ``hw_vif_model: virtio``, ``hw_disk_bus: scsi``,
    ``os_distro: debian``."""

    def __post_init__(self) -> None:
        if (self.source_url is None) == (self.local_file is None):
            raise ValueError("an image comes from exactly one of source_url or local_file")


class GlanceImage(pulumi.ComponentResource):
    """A Glance image owned by the stack (a lab's target system, an appliance).

    ``web_download`` lets Glance fetch a URL itself instead of streaming it
    through the machine running Pulumi. The image is created before any server
    that boots it, and deleted after them, because servers take ``image_id``.
    """

    image_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: GlanceImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:images:GlanceImage", name, None, opts)
        image = openstack.images.Image(
            name,
            name=physical_name(name),
            image_source_url=args.source_url,
            web_download=True if args.source_url else None,
            local_file_path=args.local_file,
            disk_format=args.disk_format,
            container_format=args.container_format,
            min_disk_gb=args.min_disk_gb,
            min_ram_mb=args.min_ram_mb,
            visibility=args.visibility,
            properties=dict(args.properties) or None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.image_id = image.id
        self.register_outputs({"image_id": self.image_id})
