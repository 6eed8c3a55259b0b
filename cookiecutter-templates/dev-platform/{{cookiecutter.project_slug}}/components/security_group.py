"""Security groups declared as data: one rule per allowed flow, nothing implicit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name


@dataclass(frozen=True)
class IngressRule:
    """Allow ``protocol``/``port`` in from ``remote_cidr`` (IPv4)."""

    port: int
    remote_cidr: str
    protocol: str = "tcp"
    description: str = ""

    def __post_init__(self) -> None:
        if not self.remote_cidr:
            raise ValueError(f"rule for port {self.port} needs a source CIDR")


@dataclass
class SecurityGroupArgs:
    description: str
    ingress: Sequence[IngressRule]


class SecurityGroup(pulumi.ComponentResource):
    """A security group holding exactly the listed ingress rules.

    Neutron's default egress rules are kept so nodes can reach their package
    mirror; ingress is closed except for the rules given.
    """

    group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: SecurityGroupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:security:SecurityGroup", name, None, opts)
        group = openstack.networking.SecGroup(
            name,
            name=physical_name(name),
            description=args.description,
            opts=pulumi.ResourceOptions(parent=self),
        )
        for rule in args.ingress:
            openstack.networking.SecGroupRule(
                f"{name}-{rule.protocol}-{rule.port}-from-{rule.remote_cidr.replace('/', '-')}",
                security_group_id=group.id,
                direction="ingress",
                ethertype="IPv4",
                protocol=rule.protocol,
                port_range_min=rule.port,
                port_range_max=rule.port,
                remote_ip_prefix=rule.remote_cidr,
                description=rule.description,
                # Neutron deletes a group's rules with the group: no call per rule.
                opts=pulumi.ResourceOptions(parent=group, deleted_with=group),
            )
        self.group_id = group.id
        self.register_outputs({"group_id": self.group_id})
