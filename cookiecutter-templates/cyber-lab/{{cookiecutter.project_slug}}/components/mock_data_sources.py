"""What OpenStack answers to the data sources (``get_network``, ``get_image``...).

Data sources also answer in preview, as they do in ``pulumi preview``; one
missing here fails the offline run (``components.mocks``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from components.simulated_cloud import (
    TIMESTAMP,
    UNKNOWN_SUBNET_RANGE,
    Cloud,
    Handler,
    Request,
    fingerprint,
    mock_key_pair,
    uid,
)

INVOKES: dict[str, Handler] = {}


def invoke(token: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        INVOKES[token] = handler
        return handler

    return register


@invoke("openstack:networking/getNetwork:getNetwork")
def _get_network(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or "network"
    known = [i for i, n in cloud.networks.items() if n == name]
    network_id = r.get("networkId") or (known[0] if known else uid("network", name))
    external = bool(r.get("external", network_id in cloud.external_networks))
    if external:
        cloud.external_networks.add(network_id)
    subnets = [s.id for s in cloud.subnets.values() if s.network_id == network_id]
    if not subnets and external:
        subnets = [cloud.add_external_subnet(network_id).id]
    return {
        "id": network_id,
        "networkId": network_id,
        "name": name,
        "external": external,
        "mtu": 1500 if external else 1450,
        "adminStateUp": "true",
        "shared": "false",
        "subnets": subnets,
        "status": "ACTIVE",
        "tenantId": cloud.project_id,
    }


@invoke("openstack:networking/getSubnet:getSubnet")
def _get_subnet(cloud: Cloud, r: Request) -> dict[str, Any]:
    subnet = cloud.subnets.get(r.get("subnetId", ""))
    if subnet is None and r.get("networkId"):
        subnet = next(
            (s for s in cloud.subnets.values() if s.network_id == r.get("networkId")), None
        )
    network_id = r.get("networkId", "")
    if subnet is None and network_id in cloud.external_networks:
        subnet = cloud.add_external_subnet(network_id)
    if subnet is None:
        subnet_id = r.get("subnetId") or uid("subnet", network_id or r.get("name", "subnet"))
        cidr = r.get("cidr") or str(UNKNOWN_SUBNET_RANGE)
        subnet = cloud.add_subnet(subnet_id, network_id or uid("network", subnet_id), cidr, None)
    network = subnet.network
    return {
        "id": subnet.id,
        "subnetId": subnet.id,
        "networkId": subnet.network_id,
        "name": r.get("name", ""),
        "cidr": str(network),
        "gatewayIp": subnet.gateway,
        "ipVersion": network.version,
        "enableDhcp": True,
        "allocationPools": [
            {"start": str(network.network_address + 2), "end": str(network.broadcast_address - 1)}
        ],
        "dnsNameservers": [],
        "hostRoutes": [],
        "tenantId": cloud.project_id,
    }


@invoke("openstack:images/getImage:getImage")
def _get_image(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or r.get("nameRegex") or "image"
    image_id = cloud.image_id(name)
    return {
        "id": image_id,
        "name": name,
        "checksum": hashlib.md5(image_id.encode()).hexdigest(),
        "sizeBytes": 536870912,
        "minDiskGb": 0,
        "minRamMb": 0,
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
        "file": f"/v2/images/{image_id}/file",
        "schema": "/v2/schemas/image",
        "containerFormat": "bare",
        "diskFormat": "qcow2",
        "owner": cloud.project_id,
        "protected": False,
        "metadata": {},
        "properties": {},
        "tags": [],
    }


STANDARD_FLAVORS = {
    "m1.tiny": (1, 512, 1),
    "m1.small": (1, 2048, 20),
    "m1.medium": (2, 4096, 40),
    "m1.large": (4, 8192, 80),
    "m1.xlarge": (8, 16384, 160),
}
"""vCPUs, RAM (MB), disk (GB) of the flavors Nova's examples define."""


@invoke("openstack:compute/getFlavor:getFlavor")
def _get_flavor(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or f"flavor-{r.get('vcpus', 2)}-{r.get('ram', 4096)}"
    vcpus, ram, disk = STANDARD_FLAVORS.get(
        name, (r.get("vcpus", 2), r.get("ram", 4096), r.get("disk", 20))
    )
    known = cloud.flavors.get(name, {})
    flavor_id = r.get("flavorId") or known.get("id") or uid("flavor", name)
    return {
        "id": flavor_id,
        "flavorId": flavor_id,
        "name": name,
        "vcpus": known.get("vcpus", vcpus),
        "ram": known.get("ram", ram),
        "disk": known.get("disk", disk),
        "isPublic": True,
        "extraSpecs": known.get("extraSpecs", {}),
        "swap": 0,
        "rxTxFactor": 1.0,
    }


@invoke("openstack:identity/getProject:getProject")
def _get_project(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or "project"
    project_id = r.get("projectId") or uid("project", name)
    return {
        "id": project_id,
        "projectId": project_id,
        "name": name,
        "domainId": r.get("domainId", "default"),
        "parentId": "default",
        "enabled": True,
        "isDomain": False,
        "description": "",
        "tags": [],
    }


@invoke("openstack:identity/getRole:getRole")
def _get_role(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or "member"
    return {"id": uid("role", name), "name": name, "domainId": r.get("domainId", "")}


@invoke("openstack:identity/getUser:getUser")
def _get_user(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or "user"
    return {
        "id": uid("user", name),
        "name": name,
        "domainId": r.get("domainId", "default"),
        "defaultProjectId": r.get("defaultProjectId", ""),
        "enabled": True,
        "description": "",
    }


@invoke("openstack:identity/getAuthScope:getAuthScope")
def _get_auth_scope(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "id": r.get("name", "auth"),
        "name": r.get("name", "auth"),
        "projectId": cloud.project_id,
        "projectName": "offline",
        "projectDomainId": "default",
        "projectDomainName": "Default",
        "userId": cloud.user_id,
        "userName": "offline",
        "userDomainId": "default",
        "userDomainName": "Default",
        "domainId": "",
        "domainName": "",
        "tokenId": "",
        "roles": [{"roleId": uid("role", "member"), "roleName": "member"}],
        "serviceCatalogs": [],
    }


@invoke("openstack:networking/getSecGroup:getSecGroup")
def _get_security_group(cloud: Cloud, r: Request) -> dict[str, Any]:
    name = r.get("name") or "default"
    group_id = r.get("secgroupId") or cloud.security_groups.get(name) or uid("secgroup", name)
    return {
        "id": group_id,
        "secgroupId": group_id,
        "name": name,
        "description": "",
        "tenantId": cloud.project_id,
        "allTags": [],
        "stateful": True,
    }


@invoke("openstack:compute/getKeypair:getKeypair")
def _get_keypair(cloud: Cloud, r: Request) -> dict[str, Any]:
    public_key, _ = mock_key_pair(f"keypair::{r.get('name')}")
    return {
        "id": r.get("name"),
        "name": r.get("name"),
        "publicKey": public_key,
        "fingerprint": fingerprint(public_key),
        "userId": cloud.user_id,
    }
