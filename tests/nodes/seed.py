"""NoCloud seed (user-data, meta-data, network-config) for one node, as a cloud would supply it.

Only what the cloud owns is written here: the instance id, hostname, the SSH public key (meta-data
``public-keys``, like a Nova key pair), the addresses (network-config) and, where a blueprint's
checks name them, the shared image's services this role's own image would lack (vendor-data, as
an image vendor ships it). The user data is the generated text, unchanged.
"""

import ipaddress
import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

import yaml

from .spec import NodeSpec

MGMT_NET = "192.168.76.0/24"  # qemu user-mode network (not qemu's default 10.0.2.0/24, a
MGMT_ADDRESS = "192.168.76.15/24"  # likely blueprint subnet); the guest's default address in it


def mgmt_mac(index: int) -> str:
    return f"52:54:00:00:00:{index + 0x10:02x}"


def private_mac(index: int, nic: int = 0) -> str:
    return f"52:54:00:00:{nic + 1:02x}:{index + 0x10:02x}"


def network_config(node: NodeSpec, index: int, segment: ipaddress.IPv4Network) -> str:
    """NIC 0: management (host forwards only); NIC 1..n: the node's ports, in order.

    The first port gets the segment's prefix (the router stand-in, see
    ``Deployment.segment_network``), the others their own subnet's.
    """
    ethernets: dict[str, object] = {
        "mgmt": {  # host-forwarded SSH/HTTP only: no default route, no outside access
            "match": {"macaddress": mgmt_mac(index)},
            "set-name": "eth0",
            "addresses": [MGMT_ADDRESS],
        },
    }
    for nic, address in enumerate(node.addresses):
        prefix = segment.prefixlen if nic == 0 else address.network.prefixlen
        ethernets[f"private{nic}"] = {
            "match": {"macaddress": private_mac(index, nic)},
            "set-name": f"eth{nic + 1}",
            "addresses": [f"{address.ip}/{prefix}"],
        }
    return yaml.safe_dump({"version": 2, "ethernets": ethernets}, sort_keys=False)


def meta_data(node: NodeSpec, run_id: str, ssh_public_key: str) -> str:
    return yaml.safe_dump(
        {
            "instance-id": f"osbp-{node.role}-{run_id}",
            "local-hostname": node.hostname,
            "public-keys": [ssh_public_key],
        },
        sort_keys=False,
    )


def vendor_data(absent_services: Sequence[str]) -> str:
    """A boothook masking the services of the shared image that this role's own image would
    not have (the harness boots one image with every role's packages: an nginx enabled for
    the app role must not hold port 80 on an HAProxy node). Empty: no vendor data."""
    if not absent_services:
        return ""
    units = " ".join(shlex.quote(unit) for unit in absent_services)
    return f"#cloud-boothook\n#!/bin/sh\nsystemctl mask --now {units}\n"


def make_seed(
    node: NodeSpec, index: int, segment: ipaddress.IPv4Network, run_id: str,
    ssh_public_key: str, workdir: Path, absent_services: Sequence[str] = (),
) -> Path:  # fmt: skip
    """Write the seed files and pack them into a NoCloud ISO; return its path.

    ``run_id`` makes the instance id: a new one is a new server (a replacement) to cloud-init.
    """
    d = workdir / f"seed-{node.role}-{run_id}"
    d.mkdir(parents=True, exist_ok=True)
    (d / "user-data").write_text(node.user_data)
    (d / "meta-data").write_text(meta_data(node, run_id, ssh_public_key))
    (d / "network-config").write_text(network_config(node, index, segment))
    vendor = []
    if absent_services:
        (d / "vendor-data").write_text(vendor_data(absent_services))
        vendor = ["--vendor-data", str(d / "vendor-data")]
    iso = workdir / f"{node.role}-{run_id}-seed.iso"
    subprocess.run(
        ["cloud-localds", "-N", str(d / "network-config"), *vendor, str(iso),
         str(d / "user-data"), str(d / "meta-data")],
        check=True,
    )  # fmt: skip
    return iso
