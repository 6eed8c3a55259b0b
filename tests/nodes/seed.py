"""NoCloud seed (user-data, meta-data, network-config) for one node, as a cloud would supply it.

Only what the cloud owns is written here: the instance id, hostname, the SSH public key (meta-data
``public-keys``, like a Nova key pair) and the addresses (network-config). The user data is the
generated text, unchanged.
"""

import ipaddress
import subprocess
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


def make_seed(
    node: NodeSpec, index: int, segment: ipaddress.IPv4Network, run_id: str,
    ssh_public_key: str, workdir: Path,
) -> Path:  # fmt: skip
    """Write the three seed files and pack them into a NoCloud ISO; return its path.

    ``run_id`` makes the instance id: a new one is a new server (a replacement) to cloud-init.
    """
    d = workdir / f"seed-{node.role}-{run_id}"
    d.mkdir(parents=True, exist_ok=True)
    (d / "user-data").write_text(node.user_data)
    (d / "meta-data").write_text(meta_data(node, run_id, ssh_public_key))
    (d / "network-config").write_text(network_config(node, index, segment))
    iso = workdir / f"{node.role}-{run_id}-seed.iso"
    subprocess.run(
        ["cloud-localds", "-N", str(d / "network-config"), str(iso),
         str(d / "user-data"), str(d / "meta-data")],
        check=True,
    )  # fmt: skip
    return iso
