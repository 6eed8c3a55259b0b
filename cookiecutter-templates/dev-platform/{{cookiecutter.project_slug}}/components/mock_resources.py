"""What OpenStack (and the random provider) computes for each resource type.

One handler per type token, registered in ``RESOURCES``; a type missing here
fails the offline run (``components.mocks``).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from components.simulated_cloud import (
    CLOUD_DOMAIN,
    TIMESTAMP,
    UNKNOWN_SUBNET_RANGE,
    Cloud,
    Handler,
    OfflineError,
    Request,
    autoname,
    fingerprint,
    generated_key_pair,
    mac_address,
    mock_secret,
    uid,
)

RESOURCES: dict[str, Handler] = {}


def resource(*tokens: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for token in tokens:
            RESOURCES[token] = handler
        return handler

    return register


@resource("openstack:identity/project:Project")
def _project(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"domainId": r.get("domainId", "default"), "parentId": r.get("parentId", "default")}


@resource("openstack:identity/user:User")
def _user(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "domainId": r.get("domainId", "default"),
        "defaultProjectId": r.get("defaultProjectId", ""),
    }


@resource("openstack:identity/role:Role")
def _role(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"domainId": r.get("domainId", "")}


@resource("openstack:identity/roleAssignment:RoleAssignment")
def _role_assignment(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {}


@resource("openstack:identity/applicationCredential:ApplicationCredential")
def _application_credential(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "secret": r.get("secret", mock_secret(f"appcred::{r.id}", 43)),
        "projectId": cloud.project_id,
        "roles": r.get("roles", ["member"]),
    }


QUOTA_DEFAULTS = {
    "openstack:compute/quotaSetV2:QuotaSetV2": {
        "cores": 20,
        "instances": 10,
        "ram": 51200,
        "keyPairs": 100,
        "metadataItems": 128,
        "serverGroups": 10,
        "serverGroupMembers": 10,
        "securityGroups": 10,
        "securityGroupRules": 20,
        "fixedIps": -1,
        "floatingIps": 10,
        "injectedFiles": 5,
        "injectedFileContentBytes": 10240,
        "injectedFilePathBytes": 255,
    },
    "openstack:networking/quotaV2:QuotaV2": {
        "network": 100,
        "subnet": 100,
        "port": 500,
        "router": 10,
        "floatingip": 50,
        "securityGroup": 10,
        "securityGroupRule": 100,
        "rbacPolicy": 10,
        "subnetpool": -1,
    },
    "openstack:blockstorage/quoteSetV3:QuoteSetV3": {
        "volumes": 10,
        "gigabytes": 1000,
        "snapshots": 10,
        "backups": 10,
        "backupGigabytes": 1000,
        "perVolumeGigabytes": -1,
        "groups": 10,
    },
    "openstack:loadbalancer/quota:Quota": {
        "loadbalancer": -1,
        "listener": -1,
        "pool": -1,
        "member": -1,
        "healthMonitor": -1,
        "l7Policy": -1,
        "l7Rule": -1,
    },
}
"""The services' own defaults: what a quota left unset reads as."""


@resource(*QUOTA_DEFAULTS)
def _quota(cloud: Cloud, r: Request) -> dict[str, Any]:
    return dict(QUOTA_DEFAULTS[r.token])


@resource("openstack:networking/network:Network")
def _network(cloud: Cloud, r: Request) -> dict[str, Any]:
    cloud.networks[r.id] = autoname(r)
    if r.get("external"):
        cloud.external_networks.add(r.id)
    return {
        "mtu": r.get("mtu", 1450),
        "adminStateUp": r.get("adminStateUp", True),
        "portSecurityEnabled": r.get("portSecurityEnabled", True),
        "external": bool(r.get("external", False)),
        "shared": bool(r.get("shared", False)),
        "tenantId": r.get("tenantId", cloud.project_id),
        "segments": r.get("segments", []),
    }


@resource("openstack:networking/segmentV2:SegmentV2")
def _segment(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"segmentationId": r.get("segmentationId", cloud.next_vlan()), "revisionNumber": 1}


@resource("openstack:networking/rbacPolicyV2:RbacPolicyV2")
def _rbac_policy(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"projectId": cloud.project_id}


@resource("openstack:networking/subnet:Subnet")
def _subnet(cloud: Cloud, r: Request) -> dict[str, Any]:
    gateway = "" if r.get("noGateway") else r.get("gatewayIp")
    pools = r.get("allocationPools") or []
    cidr = ipaddress.ip_network(str(r.get("cidr")), strict=False)
    first_host = max(
        [
            10,
            *(
                int(ipaddress.ip_address(pool["start"])) - int(cidr.network_address)
                for pool in pools
            ),
        ]
    )
    subnet = cloud.add_subnet(r.id, r.get("networkId", ""), str(cidr), gateway, first_host)
    last = subnet.network.broadcast_address - 1
    return {
        "gatewayIp": subnet.gateway,
        "ipVersion": subnet.network.version,
        "enableDhcp": r.get("enableDhcp", True),
        "allocationPools": r.get(
            "allocationPools",
            [{"start": str(subnet.network.network_address + 2), "end": str(last)}],
        ),
        "tenantId": r.get("tenantId", cloud.project_id),
    }


@resource("openstack:networking/router:Router")
def _router(cloud: Cloud, r: Request) -> dict[str, Any]:
    external = r.get("externalNetworkId")
    gateway = (
        [
            {
                "ipAddress": cloud.external_address(),
                "subnetId": cloud.add_external_subnet(external).id,
            }
        ]
        if external
        else []
    )
    return {
        "externalFixedIps": r.get("externalFixedIps", gateway),
        "enableSnat": r.get("enableSnat", bool(external)),
        "adminStateUp": r.get("adminStateUp", True),
        "distributed": bool(r.get("distributed", False)),
        "tenantId": r.get("tenantId", cloud.project_id),
    }


@resource("openstack:networking/routerInterface:RouterInterface")
def _router_interface(cloud: Cloud, r: Request) -> dict[str, Any]:
    subnet_id = r.get("subnetId")
    if subnet_id:
        port_id = uid("router-port", r.id)
        subnet = cloud.subnets.get(subnet_id)
        cloud.add_port(
            port_id, subnet.network_id if subnet else "", [subnet.gateway] if subnet else []
        )
        return {"portId": port_id, "subnetId": subnet_id}
    return {"portId": r.get("portId"), "subnetId": ""}


@resource("openstack:networking/secGroup:SecGroup")
def _security_group(cloud: Cloud, r: Request) -> dict[str, Any]:
    cloud.security_groups[autoname(r)] = r.id
    return {"stateful": r.get("stateful", True), "tenantId": r.get("tenantId", cloud.project_id)}


@resource("openstack:networking/secGroupRule:SecGroupRule")
def _security_group_rule(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"tenantId": r.get("tenantId", cloud.project_id)}


@resource("openstack:networking/port:Port")
def _port(cloud: Cloud, r: Request) -> dict[str, Any]:
    network_id = r.get("networkId", "")
    fixed = r.get("fixedIps") or (
        [{"subnetId": cloud.first_subnet(network_id)}] if not r.get("noFixedIp") else []
    )
    addresses = [entry.get("ipAddress") or cloud.allocate(entry.get("subnetId")) for entry in fixed]
    cloud.add_port(r.id, network_id, addresses)
    groups = (
        [] if r.get("noSecurityGroups") else r.get("securityGroupIds", [uid("secgroup", "default")])
    )
    return {
        "allFixedIps": addresses,
        "macAddress": r.get("macAddress", mac_address(r.id)),
        "allSecurityGroupIds": groups,
        "portSecurityEnabled": r.get("portSecurityEnabled", True),
        "adminStateUp": r.get("adminStateUp", True),
        "dnsAssignments": [
            {
                "hostname": f"host-{a.replace('.', '-')}",
                "ip_address": a,
                "fqdn": f"host-{a.replace('.', '-')}.{CLOUD_DOMAIN}.",
            }
            for a in addresses
        ],
        "tenantId": r.get("tenantId", cloud.project_id),
    }


@resource("openstack:networking/floatingIp:FloatingIp")
def _floating_ip(cloud: Cloud, r: Request) -> dict[str, Any]:
    port_id = r.get("portId", "")
    return {
        "address": r.get("address", cloud.external_address()),
        "fixedIp": r.get("fixedIp", cloud.port_address(port_id) if port_id else ""),
        "portId": port_id,
        "tenantId": r.get("tenantId", cloud.project_id),
    }


@resource("openstack:networking/floatingIpAssociate:FloatingIpAssociate")
def _floating_ip_associate(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"fixedIp": r.get("fixedIp", cloud.port_address(r.get("portId")))}


@resource("openstack:compute/flavor:Flavor")
def _flavor(cloud: Cloud, r: Request) -> dict[str, Any]:
    flavor_id = r.get("flavorId", r.id)
    cloud.flavors[autoname(r)] = {"id": flavor_id, **r.inputs}
    return {"flavorId": flavor_id, "extraSpecs": r.get("extraSpecs", {})}


@resource("openstack:compute/keypair:Keypair")
def _keypair(cloud: Cloud, r: Request) -> dict[str, Any]:
    public_key = r.get("publicKey")
    private_key = ""
    if not public_key:  # Nova generates the pair and returns the private half once
        public_key, private_key = generated_key_pair(r.id)
    return {
        "publicKey": public_key,
        "privateKey": private_key,
        "fingerprint": fingerprint(public_key),
        "userId": r.get("userId", cloud.user_id),
    }


@resource("openstack:compute/instance:Instance")
def _instance(cloud: Cloud, r: Request) -> dict[str, Any]:
    networks = []
    for entry in r.get("networks", []):
        port_id = entry.get("port") or ""
        if port_id:
            network_id = cloud.port_networks.get(port_id, entry.get("uuid", ""))
            address = cloud.port_address(port_id)
        else:
            network_id = entry.get("uuid") or cloud.network_named(entry.get("name", ""))
            address = entry.get("fixedIpV4") or cloud.allocate(cloud.first_subnet(network_id))
        networks.append(
            {
                **entry,
                "uuid": network_id,
                "name": cloud.networks.get(network_id, entry.get("name", "")),
                "port": port_id,
                "fixedIpV4": address,
                "fixedIpV6": "",
                "mac": mac_address(port_id or uid("nic", r.id, network_id)),
                "accessNetwork": bool(entry.get("accessNetwork", False)),
            }
        )
    image_name = r.get("imageName", "")
    flavor_name = r.get("flavorName", "")
    return {
        "networks": networks,
        "accessIpV4": networks[0]["fixedIpV4"] if networks else "",
        "imageId": r.get("imageId", cloud.image_id(image_name) if image_name else ""),
        "imageName": image_name,
        "flavorId": r.get(
            "flavorId", cloud.flavors.get(flavor_name, {}).get("id", uid("flavor", flavor_name))
        ),
        "flavorName": flavor_name,
        "allMetadata": r.get("metadata", {}),
        "availabilityZone": r.get("availabilityZone", "nova"),
        "created": TIMESTAMP,
        "updated": TIMESTAMP,
    }


@resource("openstack:compute/serverGroup:ServerGroup")
def _server_group(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"members": [], "rules": r.get("rules", {})}


@resource("openstack:blockstorage/volume:Volume")
def _volume(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "volumeType": r.get("volumeType", "__DEFAULT__"),
        "availabilityZone": r.get("availabilityZone", "nova"),
        "attachments": [],
        "metadata": r.get("metadata", {}),
    }


@resource("openstack:blockstorage/volumeTypeV3:VolumeTypeV3")
def _volume_type(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"isPublic": r.get("isPublic", True), "extraSpecs": r.get("extraSpecs", {})}


@resource("openstack:compute/volumeAttach:VolumeAttach")
def _volume_attach(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"device": r.get("device", cloud.next_device(str(r.get("instanceId", ""))))}


@resource("openstack:images/image:Image")
def _image(cloud: Cloud, r: Request) -> dict[str, Any]:
    cloud.images[autoname(r)] = r.id
    return {
        "imageId": r.id,
        "checksum": hashlib.md5(r.id.encode()).hexdigest(),  # Glance's checksum
        "sizeBytes": 536870912,
        "status": "active",
        "file": f"/v2/images/{r.id}/file",
        "schema": "/v2/schemas/image",
        "owner": cloud.project_id,
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
        "properties": r.get("properties", {}),
        "metadata": {},
    }


def _heat_output_value(
    key: str, definition: Any, parameters: Mapping[str, Any], stack_id: str
) -> str:
    """A value typed after what the output says it is (address, URL, id or text)."""
    value = definition.get("value") if isinstance(definition, Mapping) else None
    if isinstance(value, Mapping) and "get_param" in value:
        param = value["get_param"]
        return str(parameters.get(param if isinstance(param, str) else param[0], ""))
    lowered = key.lower()
    host = int(hashlib.sha256(f"{stack_id}{key}".encode()).hexdigest(), 16) % 200 + 20
    address = str(UNKNOWN_SUBNET_RANGE.network_address + host)
    if lowered.endswith(("_ips", "_addresses", "addresses")):
        return json.dumps([address])
    if lowered.endswith(("_ip", "address")):
        return address
    if "url" in lowered:
        return f"http://{address}/"
    if lowered.endswith("_id") or lowered == "id":
        return uid("heat", stack_id, key)
    return f"{key}-{stack_id[:8]}"


@resource("openstack:orchestration/stackV1:StackV1")
def _heat_stack(cloud: Cloud, r: Request) -> dict[str, Any]:
    template_text = (r.get("templateOpts") or {}).get("Bin", "")
    try:
        template = yaml.safe_load(template_text) or {}
    except yaml.YAMLError as error:
        raise OfflineError(f"Heat stack {r.name}: its template is not YAML: {error}") from None
    if not isinstance(template, Mapping):
        raise OfflineError(f"Heat stack {r.name}: its template is not a mapping")
    parameters = r.get("parameters", {})
    outputs = [
        {
            "outputKey": key,
            "outputValue": _heat_output_value(key, definition, parameters, r.id),
            "description": (definition or {}).get("description", "")
            if isinstance(definition, Mapping)
            else "",
        }
        for key, definition in (template.get("outputs") or {}).items()
    ]
    description = str(template.get("description", ""))
    return {
        "StackOutputs": outputs,
        "status": "CREATE_COMPLETE",
        "statusReason": "Stack CREATE completed successfully",
        "description": description,
        "templateDescription": description,
        "creationTime": TIMESTAMP,
        "disableRollback": r.get("disableRollback", True),
        "timeout": r.get("timeout", 60),
    }


@resource("openstack:objectstorage/container:Container")
def _container(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"storagePolicy": r.get("storagePolicy", "Policy-0")}


@resource("openstack:objectstorage/containerObject:ContainerObject")
def _container_object(cloud: Cloud, r: Request) -> dict[str, Any]:
    content = str(r.get("content", ""))
    return {
        "etag": hashlib.md5(content.encode()).hexdigest(),  # Swift's ETag
        "contentLength": len(content.encode()),
        "contentType": r.get("contentType", "application/octet-stream"),
        "date": TIMESTAMP,
        "lastModified": TIMESTAMP,
        "transId": "tx" + r.id.replace("-", "")[:21],
    }


@resource("openstack:loadbalancer/loadBalancer:LoadBalancer")
def _load_balancer(cloud: Cloud, r: Request) -> dict[str, Any]:
    subnet_id = r.get("vipSubnetId") or cloud.first_subnet(r.get("vipNetworkId"))
    subnet = cloud.subnets.get(subnet_id)
    if subnet is None:
        raise OfflineError(f"load balancer {r.name}: unknown VIP subnet {subnet_id!r}")
    # A VIP port given by the program is used as it is; otherwise Octavia makes one.
    address = r.get("vipAddress") or cloud.allocate(subnet_id)
    port_id = r.get("vipPortId")
    if not port_id:
        port_id = uid("vip-port", r.id)
        cloud.add_port(port_id, subnet.network_id, [address])
    return {
        "vipAddress": address,
        "vipPortId": port_id,
        "vipSubnetId": subnet_id,
        "vipNetworkId": subnet.network_id,
        "loadbalancerProvider": r.get("loadbalancerProvider", "amphora"),
        "tenantId": r.get("tenantId", cloud.project_id),
    }


@resource("openstack:loadbalancer/listener:Listener")
def _listener(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "connectionLimit": r.get("connectionLimit", -1),
        "timeoutClientData": r.get("timeoutClientData", 50000),
        "timeoutMemberConnect": r.get("timeoutMemberConnect", 5000),
        "timeoutMemberData": r.get("timeoutMemberData", 50000),
        "timeoutTcpInspect": r.get("timeoutTcpInspect", 0),
    }


@resource("openstack:loadbalancer/pool:Pool")
def _pool(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {}


@resource("openstack:loadbalancer/member:Member")
def _member(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"weight": r.get("weight", 1)}


@resource("openstack:loadbalancer/monitor:Monitor")
def _monitor(cloud: Cloud, r: Request) -> dict[str, Any]:
    http = str(r.get("type", "")).upper() in ("HTTP", "HTTPS")
    return {
        "maxRetriesDown": r.get("maxRetriesDown", 3),
        "httpMethod": r.get("httpMethod", "GET" if http else ""),
        "expectedCodes": r.get("expectedCodes", "200" if http else ""),
        "urlPath": r.get("urlPath", "/" if http else ""),
    }


@resource("openstack:keymanager/secretV1:SecretV1")
def _barbican_secret(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "secretRef": f"https://key-manager.{CLOUD_DOMAIN}:9311/v1/secrets/{r.id}",
        "status": "ACTIVE",
        "creatorId": cloud.user_id,
        "secretType": r.get("secretType", "opaque"),
        "contentTypes": {"default": r.get("payloadContentType", "text/plain")},
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    }


@resource("openstack:keymanager/containerV1:ContainerV1")
def _barbican_container(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "containerRef": f"https://key-manager.{CLOUD_DOMAIN}:9311/v1/containers/{r.id}",
        "status": "ACTIVE",
        "creatorId": cloud.user_id,
        "consumers": [],
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    }


@resource("openstack:dns/zone:Zone")
def _zone(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {
        "ttl": r.get("ttl", 3600),
        "type": r.get("type", "PRIMARY"),
        "projectId": cloud.project_id,
    }


@resource("openstack:dns/recordSet:RecordSet")
def _record_set(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"ttl": r.get("ttl", 3600), "projectId": cloud.project_id}


@resource("random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString")
def _random_text(cloud: Cloud, r: Request) -> dict[str, Any]:
    result = mock_secret(r.id, int(r.get("length", 16)))
    return {"result": result, "bcryptHash": "$2a$10$" + mock_secret(f"bcrypt::{r.id}", 53)}


@resource("random:index/randomId:RandomId")
def _random_id(cloud: Cloud, r: Request) -> dict[str, Any]:
    raw = hashlib.sha256(r.id.encode()).digest()[: int(r.get("byteLength", 8))]
    prefix = str(r.get("prefix", ""))
    return {
        "hex": prefix + raw.hex(),
        "dec": prefix + str(int.from_bytes(raw, "big")),
        "b64Std": prefix + base64.b64encode(raw).decode(),
        "b64Url": prefix + base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }


@resource("random:index/randomInteger:RandomInteger")
def _random_integer(cloud: Cloud, r: Request) -> dict[str, Any]:
    low, high = int(r.get("min", 0)), int(r.get("max", 0))
    span = max(high - low + 1, 1)
    return {"result": low + int(hashlib.sha256(r.id.encode()).hexdigest(), 16) % span}


@resource("random:index/randomUuid:RandomUuid")
def _random_uuid(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"result": uid("random-uuid", r.id)}


@resource("random:index/randomPet:RandomPet")
def _random_pet(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"id": "-".join(["mock", "pet"][: int(r.get("length", 2))])}


@resource("random:index/randomShuffle:RandomShuffle")
def _random_shuffle(cloud: Cloud, r: Request) -> dict[str, Any]:
    return {"results": list(reversed(r.get("inputs", [])))}


@resource("pulumi:index:Stash")
def _stash(cloud: Cloud, r: Request) -> dict[str, Any]:
    # The engine's Stash keeps the input it was first created with as its output.
    return {"output": r.get("input")}


REFERENCED_STACK_SCRIPT = """
import json, sys
from components.offline import run_offline
from components.wire import Secret, reveal
run = run_offline(".", sys.argv[1])
print(json.dumps({
    "outputs": {k: reveal(v) for k, v in run.outputs.items() if not isinstance(v, Secret)},
    "secret": sorted(k for k, v in run.outputs.items() if isinstance(v, Secret)),
}))
"""


@resource("pulumi:pulumi:StackReference")
def _stack_reference(cloud: Cloud, r: Request) -> dict[str, Any]:
    """Another stack of this project, as its own ``pulumi up`` would leave it.

    The referenced stack's program is run offline in a child process (the runner
    holds one program per process), from its ``Pulumi.<stack>.yaml``. Its secret
    outputs are named but not given: a stack with another passphrase cannot
    decrypt them either (they read as empty).
    """
    name = str(r.get("name", ""))
    project_dir = cloud.project_dir or Path(__file__).resolve().parent.parent
    project, _, stack = name.rpartition("/")
    own = yaml.safe_load((project_dir / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    if project.rpartition("/")[2] not in ("", own):
        raise OfflineError(f"stack reference {name!r}: only stacks of {own} can be run offline")
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        raise OfflineError(f"stack reference {name!r}: no Pulumi.{stack}.yaml to run it from")
    result = subprocess.run(
        [sys.executable, "-c", REFERENCED_STACK_SCRIPT, stack],
        cwd=project_dir,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PULUMI_STACK"},
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise OfflineError(f"stack reference {name!r}: its program failed offline: {last}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "name": name,
        "outputs": {**found["outputs"], **{key: {} for key in found["secret"]}},
        "secretOutputNames": found["secret"],
    }
