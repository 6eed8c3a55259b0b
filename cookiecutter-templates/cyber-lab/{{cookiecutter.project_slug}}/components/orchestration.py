"""A Heat stack whose HOT template is built from Python data.

For what Pulumi's provider cannot express itself, above all autoscaling
groups (``OS::Heat::AutoScalingGroup`` with their scaling policies). The
template is data: a blueprint builds it as dicts (``hot_template``), so it is
checked by tests like any other value, and rendered here to JSON, which Heat
reads as HOT (JSON is YAML). Values the stack needs at run time (a network id,
rendered user data) are passed as Heat parameters, never pasted into the text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_openstack as openstack

from components.naming import physical_name

HOT_VERSION = "2021-04-16"
"""The newest HOT version (Wallaby's); every Heat since Wallaby accepts it."""


def hot_template(
    *,
    description: str,
    parameters: Mapping[str, Mapping[str, Any]],
    resources: Mapping[str, Mapping[str, Any]],
    outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A HOT document as data; every parameter used must be declared."""
    return {
        "heat_template_version": HOT_VERSION,
        "description": description,
        "parameters": {key: dict(value) for key, value in parameters.items()},
        "resources": {key: dict(value) for key, value in resources.items()},
        "outputs": {key: dict(value) for key, value in (outputs or {}).items()},
    }


def render_template(template: Mapping[str, Any]) -> str:
    """Stable text of a template: the same data gives the same text (no spurious updates)."""
    return json.dumps(template, indent=2, sort_keys=True)


@dataclass
class HeatStackArgs:
    template: Mapping[str, Any]
    parameters: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    timeout_minutes: int = 30


class HeatStack(pulumi.ComponentResource):
    """An ``orchestration.StackV1`` from a template given as data.

    Parameters not declared by the template are refused here, before Heat
    would refuse them in the middle of ``pulumi up``.
    """

    stack_id: pulumi.Output[str]
    outputs: pulumi.Output[dict[str, str]]
    """The stack's outputs by key."""

    def __init__(
        self, name: str, args: HeatStackArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        declared = set(args.template.get("parameters", {}))
        unknown = sorted(set(args.parameters) - declared)
        if unknown:
            raise ValueError(f"Heat stack {name}: parameters not in the template: {unknown}")
        super().__init__("osbp:orchestration:HeatStack", name, None, opts)
        stack = openstack.orchestration.StackV1(
            name,
            # Heat stack names start with a letter and take [A-Za-z0-9_.-].
            name=physical_name(name),
            template_opts={"Bin": render_template(args.template)},
            parameters=dict(args.parameters) or None,
            timeout=args.timeout_minutes,
            disable_rollback=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.stack_id = stack.id
        self.outputs = stack.stack_outputs.apply(
            lambda items: {item.output_key: item.output_value for item in items or []}
        )
        self.register_outputs({"stack_id": self.stack_id})
