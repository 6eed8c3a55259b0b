"""A simulated OpenStack cloud for Pulumi's mocks.

``OpenStackMocks`` answers the way OpenStack would (ids, fixed IPs taken from
the subnet, floating IPs), so the values a program derives from them, cloud-init
user data above all, are really rendered and can be checked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Iterator
from itertools import count
from typing import Any

import pulumi

from components.wire import decode, reveal

FLOATING_IP_RANGE = ipaddress.ip_network("203.0.113.0/24")
"""Documentation range (RFC 5737) used for simulated floating IPs."""


class OfflineError(Exception):
    """The project cannot be run offline (no stack file, encrypted config, a request
    the simulated cloud would refuse...)."""


class OpenStackMocks(pulumi.runtime.Mocks):
    """Answers like an OpenStack cloud: what the program reads back must be real-looking.

    In preview mode nothing is computed, as in ``pulumi preview``: ids and
    attributes only the cloud can tell stay unknown.
    """

    def __init__(self, preview: bool = False) -> None:
        self.preview = preview
        self._subnets: dict[str, ipaddress.IPv4Network] = {}
        self._next_host: dict[str, Iterator[int]] = {}
        self._floating_ips = FLOATING_IP_RANGE.hosts()

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if self.preview:
            return None, inputs
        resource_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{args.typ}::{args.name}"))
        computed = self._computed(args.typ, resource_id, inputs)
        return resource_id, {**inputs, **computed}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token.endswith("/getNetwork:getNetwork"):
            name = args.args.get("name", "network")
            network_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"network::{name}"))
            return {"id": network_id, "name": name, "external": args.args.get("external")}, []
        if args.token.endswith("/getImage:getImage"):
            name = args.args.get("name", "image")
            image_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"image::{name}"))
            return {"id": image_id, "name": name}, []
        return {}, []

    def _computed(
        self, type_token: str, resource_id: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        kind = type_token.split(":")[-1]
        if type_token == "pulumi:index:Stash":
            # The engine's Stash keeps its first input as its output.
            return {"output": inputs.get("input")}
        if kind == "Subnet":
            network = ipaddress.ip_network(reveal(decode(inputs["cidr"])))
            self._subnets[resource_id] = network  # type: ignore[assignment]
            self._next_host[resource_id] = count(10)
            gateway = "" if inputs.get("noGateway") else str(network.network_address + 1)
            return {"gatewayIp": gateway}
        if kind == "Port":
            addresses = [
                self._allocate(fixed.get("subnetId")) for fixed in inputs.get("fixedIps", [])
            ]
            return {"allFixedIps": addresses, "macAddress": _mac_address(resource_id)}
        if kind == "FloatingIp":
            return {"address": str(next(self._floating_ips))}
        if kind in ("RandomPassword", "RandomString"):
            return {"result": _mock_secret(resource_id, int(inputs.get("length", 16)))}
        if kind == "Keypair":
            return {"fingerprint": "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00"}
        return {}

    def _allocate(self, subnet_id: str | None) -> str:
        if subnet_id not in self._subnets:
            raise OfflineError(f"port on unknown subnet {subnet_id!r}: create the subnet first")
        network = self._subnets[subnet_id]
        return str(network.network_address + next(self._next_host[subnet_id]))


def _mock_secret(resource_id: str, length: int) -> str:
    """Distinct per resource, so a test can tell one leaked secret from another."""
    digest = hashlib.sha256(resource_id.encode()).hexdigest()
    return ("Mock" + digest)[:length]


def _mac_address(resource_id: str) -> str:
    tail = resource_id.replace("-", "")[:6]
    return "fa:16:3e:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


