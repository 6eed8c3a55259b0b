"""An SSH key pair registered in Nova for the servers of one stack."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name


@dataclass
class KeyPairArgs:
    public_key: str


class KeyPair(pulumi.ComponentResource):
    """A Nova key pair whose name follows its key.

    Nova copies a key into a server at boot only, and a key pair's key cannot
    be changed: a new key means a new key pair and new servers. The name ends
    with a short hash of the key, so a new key gets a new name: the new key
    pair is created next to the old one (Nova refuses two of one name), the
    servers see a changed ``key_pair`` and are replaced with the new key, and
    the old key pair is deleted last.
    """

    key_pair_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: KeyPairArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:compute:KeyPair", name, None, opts)
        fingerprint = hashlib.sha256(args.public_key.strip().encode()).hexdigest()[:8]
        key_pair = openstack.compute.Keypair(
            name,
            name=physical_name(f"{name}-{fingerprint}"),
            public_key=args.public_key,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.key_pair_name = key_pair.name
        self.register_outputs({"key_pair_name": self.key_pair_name})
