"""``--show``: what CloudKitty rates now, as lines for the operator.

Separate from the planner because it describes every mapping, including the ones billing
leaves alone, and asks CloudKitty for a quote rather than trusting the rules it read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from billing.client import MODULE, CloudKittyClient, CloudKittyError
from billing.prices import SERVICES, decimal_text
from billing.state import is_service_flat, mapping_cost, read_state


def show(client: CloudKittyClient, services: Iterable[str] = SERVICES) -> list[str]:
    """Lines describing the current rules and a quote for one unit of each service."""
    services = tuple(services)
    state = read_state(client, services)
    lines = [f"{MODULE} module: " + ("enabled" if state.module_enabled else "disabled")]
    for service in services:
        service_id = state.services.get(service)
        if service_id is None:
            lines.append(f"{service}: no hashmap service")
            continue
        mappings = state.mappings.get(service_id, [])
        if not mappings:
            lines.append(f"{service}: service {service_id}, no mapping")
        for mapping in mappings:
            cost = mapping_cost(mapping)
            kind = "flat" if is_service_flat(mapping) else _kind(mapping)
            lines.append(
                f"{service}: {kind} {'?' if cost is None else decimal_text(cost)} "
                f"(mapping {mapping.get('mapping_id')})"
            )
    for service in services:
        try:
            quote = decimal_text(client.quote(service))
        except CloudKittyError as error:
            quote = f"unavailable ({error})"
        lines.append(f"quote for 1 {service}: {quote}")
    return lines


def _kind(mapping: Mapping[str, Any]) -> str:
    parts = [str(mapping.get("type"))]
    for key in ("field_id", "value", "group_id", "tenant_id"):
        if mapping.get(key) is not None:
            parts.append(f"{key.removesuffix('_id')}={mapping[key]}")
    return " ".join(parts) + " (not managed by billing)"
