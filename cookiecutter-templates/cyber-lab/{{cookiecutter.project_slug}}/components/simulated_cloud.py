"""The state of the simulated OpenStack cloud, and the values it makes up.

Addresses come from the subnets the program created, ids are stable (the same
program gets the same ids at every run), secrets differ per resource.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

FLOATING_IP_RANGE = ipaddress.ip_network("203.0.113.0/24")
"""Documentation range (RFC 5737) of the simulated external network."""
UNKNOWN_SUBNET_RANGE = ipaddress.ip_network("198.51.100.0/24")
"""Documentation range given to a subnet the program looks up but did not create."""
TIMESTAMP = "2026-01-01T00:00:00Z"
REGION = "RegionOne"
CLOUD_DOMAIN = "cloud.example.org"


class OfflineError(Exception):
    """The project cannot be run offline (no stack file, encrypted config, a request
    the simulated cloud would refuse...)."""


def uid(*parts: object) -> str:
    """A stable id: the same program gets the same ids at every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "::".join(str(p) for p in parts)))


def mock_secret(seed: str, length: int = 32) -> str:
    """Distinct per resource, so a test can tell one leaked secret from another."""
    digest = hashlib.sha256(seed.encode()).hexdigest() * 4
    return ("Mock" + digest)[:length]


@dataclass
class Request:
    """A resource the program asks for, its inputs as plain values (secrets revealed)."""

    token: str
    name: str
    id: str
    inputs: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.inputs.get(key)
        return default if value in (None, "") else value


def autoname(r: Request) -> str:
    """The physical name a resource gets: its own, or Pulumi's auto-name (name-1a2b3c4)."""
    return str(r.get("name") or f"{r.name}-{r.id.replace('-', '')[:7]}")


@dataclass
class Subnet:
    id: str
    network_id: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    gateway: str
    hosts: Iterator[int]


class Cloud:
    """What the simulated OpenStack holds: enough to answer like the real one."""

    def __init__(self) -> None:
        self.project_id = uid("project", "current")
        self.user_id = uid("user", "current")
        self.networks: dict[str, str] = {}
        """network id -> name"""
        self.external_networks: set[str] = set()
        self.subnets: dict[str, Subnet] = {}
        self.ports: dict[str, list[str]] = {}
        """port id -> fixed IPs"""
        self.port_networks: dict[str, str] = {}
        self.images: dict[str, str] = {}
        """image name -> id"""
        self.flavors: dict[str, dict[str, Any]] = {}
        self.security_groups: dict[str, str] = {}
        """name -> id"""
        self.devices: dict[str, Iterator[str]] = {}
        self._external = count(2)
        """Offsets in the external range, shared by floating IPs and router gateways."""
        self._vlans = count(100)
        self.project_dir: Path | None = None
        """The project whose program runs: a stack reference runs its other stacks."""

    # --- addresses -------------------------------------------------------------

    def add_subnet(
        self,
        subnet_id: str,
        network_id: str,
        cidr: str,
        gateway: str | None,
        first_host: int = 10,
    ) -> Subnet:
        network = ipaddress.ip_network(cidr, strict=False)
        if gateway is None:
            gateway = str(network.network_address + 1)
        subnet = Subnet(subnet_id, network_id, network, gateway, count(first_host))
        self.subnets[subnet_id] = subnet
        return subnet

    def add_external_subnet(self, network_id: str) -> Subnet:
        """The subnet of an external network: its addresses are the floating IPs' range."""
        self.external_networks.add(network_id)
        subnet_id = uid("subnet", network_id)
        if subnet_id not in self.subnets:
            gateway = str(FLOATING_IP_RANGE.network_address + 1)
            self.subnets[subnet_id] = Subnet(
                subnet_id, network_id, FLOATING_IP_RANGE, gateway, self._external
            )
        return self.subnets[subnet_id]

    def allocate(self, subnet_id: str | None) -> str:
        if subnet_id not in self.subnets:
            raise OfflineError(f"port on unknown subnet {subnet_id!r}: create the subnet first")
        subnet = self.subnets[subnet_id]
        return str(subnet.network.network_address + next(subnet.hosts))

    def first_subnet(self, network_id: str | None) -> str:
        for subnet in self.subnets.values():
            if subnet.network_id == network_id:
                return subnet.id
        raise OfflineError(
            f"network {network_id!r} has no subnet yet to take an address from"
            " (make the port or server depend on the subnet: Neutron would give it none)"
        )

    def network_named(self, name: str) -> str:
        """The id of a network by name; one the program did not create is external."""
        for network_id, network_name in self.networks.items():
            if network_name == name:
                return network_id
        network_id = uid("network", name)
        self.add_external_subnet(network_id)
        return network_id

    def external_address(self) -> str:
        return str(FLOATING_IP_RANGE.network_address + next(self._external))

    def add_port(self, port_id: str, network_id: str, addresses: list[str]) -> None:
        self.ports[port_id] = addresses
        self.port_networks[port_id] = network_id

    def port_address(self, port_id: str | None) -> str:
        addresses = self.ports.get(port_id or "")
        if not addresses:
            raise OfflineError(f"unknown port {port_id!r}: create the port first")
        return addresses[0]

    def image_id(self, name: str) -> str:
        return self.images.get(name) or uid("image", name)

    def next_device(self, instance_id: str) -> str:
        letters = self.devices.setdefault(instance_id, iter("bcdefghijklmnopqrstuvwxyz"))
        return f"/dev/vd{next(letters)}"

    def next_vlan(self) -> int:
        return next(self._vlans)


def fingerprint(public_key: str) -> str:
    """MD5 fingerprint of an OpenSSH public key, the way Nova reports it."""
    try:
        blob = base64.b64decode(public_key.split()[1])
    except (IndexError, ValueError):
        blob = public_key.encode()
    digest = hashlib.md5(blob).hexdigest()  # Nova's fingerprint format
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def mock_key_pair(seed: str) -> tuple[str, str]:
    """A well-formed ed25519 key pair (not a usable one)."""
    raw = hashlib.sha256(seed.encode()).digest()
    kind = b"ssh-ed25519"
    blob = len(kind).to_bytes(4, "big") + kind + len(raw).to_bytes(4, "big") + raw
    public = f"ssh-ed25519 {base64.b64encode(blob).decode()} mock@offline"
    body = base64.b64encode(b"openssh-key-v1\x00" + blob + raw * 2).decode()
    lines = "\n".join(body[i : i + 70] for i in range(0, len(body), 70))
    private = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----\n"
    return public, private


def generated_key_pair(seed: str) -> tuple[str, str]:
    """A real, usable ed25519 key pair (OpenSSH formats), the same for the same seed.

    What Nova returns for a key pair it generates: a node configured with the private
    half (a jump host) really logs in to the nodes carrying the public half when the
    rendered configuration is booted (``make nodes``). Derived from ``seed`` so that a
    program's rendered user data is stable from run to run.
    """
    secret = hashlib.sha256(f"osbp-generated-key::{seed}".encode()).digest()
    public = _ed25519_public(secret)
    kind = b"ssh-ed25519"
    public_blob = _ssh_string(kind) + _ssh_string(public)
    check = hashlib.sha256(secret).digest()[:4]
    comment = b"generated@osbp-offline"
    private = check * 2 + public_blob + _ssh_string(secret + public) + _ssh_string(comment)
    private += bytes(range(1, 1 + (-len(private) % 8)))
    body = (
        b"openssh-key-v1\x00"
        + _ssh_string(b"none") * 2
        + _ssh_string(b"")
        + (1).to_bytes(4, "big")
        + _ssh_string(public_blob)
        + _ssh_string(private)
    )
    text = base64.b64encode(body).decode()
    lines = "\n".join(text[i : i + 70] for i in range(0, len(text), 70))
    return (
        f"ssh-ed25519 {base64.b64encode(public_blob).decode()} {comment.decode()}",
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{lines}\n-----END OPENSSH PRIVATE KEY-----\n",
    )


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P


def _ed25519_public(secret: bytes) -> bytes:
    """RFC 8032 public key of a 32-byte ed25519 secret (the reference arithmetic)."""
    digest = hashlib.sha512(secret).digest()
    scalar = int.from_bytes(digest[:32], "little")
    scalar &= (1 << 254) - 8
    scalar |= 1 << 254
    gy = 4 * pow(5, -1, _P) % _P
    gx = _recover_x(gy)
    point = (0, 1, 1, 0)
    base = (gx, gy, 1, gx * gy % _P)
    while scalar:
        if scalar & 1:
            point = _add(point, base)
        base = _add(base, base)
        scalar >>= 1
    x, y, z, _ = point
    zinv = pow(z, -1, _P)
    x, y = x * zinv % _P, y * zinv % _P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def _recover_x(y: int) -> int:
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, _P)
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    return x if x % 2 == 0 else _P - x


def _add(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    e = (a[1] - a[0]) * (b[1] - b[0]) % _P
    f = (a[1] + a[0]) * (b[1] + b[0]) % _P
    g = 2 * a[3] * b[3] * _D % _P
    h = 2 * a[2] * b[2] % _P
    e, f, g, h = f - e, h - g, h + g, f + e
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def mac_address(resource_id: str) -> str:
    tail = resource_id.replace("-", "")[:6]
    return "fa:16:3e:" + ":".join(tail[i : i + 2] for i in range(0, 6, 2))


Handler = Callable[["Cloud", Request], dict[str, Any]]
"""What the cloud computes for one request: wire name -> value."""
