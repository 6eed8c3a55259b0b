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


@dataclass(frozen=True)
class NetworkRule:
    """Allow traffic in (``ingress``) from or out (``egress``) to ``remote_cidr`` (IPv4);
    ``protocol=None`` is every protocol, ``port=None`` every port."""

    direction: str
    remote_cidr: str
    protocol: str | None = None
    port: int | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.direction not in ("ingress", "egress"):
            raise ValueError(f"direction {self.direction!r} is neither ingress nor egress")
        if not self.remote_cidr:
            raise ValueError(f"{self.direction} rule needs a remote CIDR")
        if self.port is not None and self.protocol not in ("tcp", "udp"):
            raise ValueError("a port needs protocol tcp or udp")

    @property
    def logical_name(self) -> str:
        towards = "from" if self.direction == "ingress" else "to"
        port = f"-{self.port}" if self.port is not None else ""
        cidr = self.remote_cidr.replace("/", "-")
        return f"{self.direction}-{self.protocol or 'any'}{port}-{towards}-{cidr}"


@dataclass
class SecurityGroupArgs:
    description: str
    ingress: Sequence[IngressRule]
    rules: Sequence[NetworkRule] = ()
    """Further rules, egress included (a lab's traffic kept inside its subnet)."""
    delete_default_rules: bool = False
    """Drop the allow-all egress rules Neutron adds to every new group: the group then lets
    out only what ``rules`` allow (strict egress)."""


class SecurityGroup(pulumi.ComponentResource):
    """A security group holding exactly the listed ingress rules.

    Neutron's default egress rules are kept so nodes can reach their package
    mirror (unless ``delete_default_rules``); ingress is closed except for the rules given.
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
            delete_default_rules=args.delete_default_rules or None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        flows = [
            (f"{r.protocol}-{r.port}-from-{r.remote_cidr.replace('/', '-')}", "ingress", r)
            for r in args.ingress
        ] + [(r.logical_name, r.direction, r) for r in args.rules]
        for logical_name, direction, rule in flows:
            openstack.networking.SecGroupRule(
                f"{name}-{logical_name}",
                security_group_id=group.id,
                direction=direction,
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
