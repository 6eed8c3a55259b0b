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


class GeneratedKeyPair(pulumi.ComponentResource):
    """A key pair whose private half Nova generates (no public key given).

    The private key is returned once, at creation, and kept only as a Pulumi secret
    (``private_key``); a node that must log in to the others (a jump host) gets it
    through its user data. Nova generates keys only up to API microversion 2.91,
    the provider's default. Replacing the component makes a new key.
    """

    key_pair_name: pulumi.Output[str]
    public_key: pulumi.Output[str]
    private_key: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("osbp:compute:GeneratedKeyPair", name, None, opts)
        key_pair = openstack.compute.Keypair(
            name, name=physical_name(name), opts=pulumi.ResourceOptions(parent=self)
        )
        self.key_pair_name = key_pair.name
        self.public_key = key_pair.public_key
        self.private_key = pulumi.Output.secret(key_pair.private_key)
        self.register_outputs({"key_pair_name": self.key_pair_name, "public_key": self.public_key})
