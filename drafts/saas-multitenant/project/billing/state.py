"""Reading what CloudKitty holds, with GETs only.

Observing is kept apart from deciding so that ``plan()`` stays pure (a ``State`` in, actions
out) and ``--show`` / ``--dry-run`` can read without any risk of writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from billing.client import MODULE, CloudKittyClient
from billing.prices import SERVICES


@dataclass(frozen=True)
class State:
    """What CloudKitty holds that billing manages (or would)."""

    module_enabled: bool
    services: dict[str, str] = field(default_factory=dict)
    """Name -> service_id, for the services of SERVICES that exist."""
    mappings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """service_id -> every mapping of that service, as CloudKitty returns them."""


def read_state(client: CloudKittyClient, services: Iterable[str] = SERVICES) -> State:
    """GETs only: the module, the services and the mappings of the managed services."""
    wanted = set(services)
    module = client.get_module(MODULE)
    found: dict[str, str] = {}
    for service in client.services():
        name, service_id = service.get("name"), service.get("service_id")
        if name in wanted and isinstance(name, str) and isinstance(service_id, str):
            found[name] = service_id
    mappings = {service_id: client.mappings(service_id) for service_id in found.values()}
    return State(module_enabled=module.get("enabled") is True, services=found, mappings=mappings)


def is_service_flat(mapping: Mapping[str, Any]) -> bool:
    """A service-level flat mapping for everyone: the kind billing manages.

    Field mappings, per-tenant mappings, grouped mappings and rate (multiplier) mappings are
    the operator's own refinements and are left alone.
    """
    return (
        mapping.get("type") == "flat"
        and mapping.get("field_id") is None
        and mapping.get("value") in (None, "")  # Zed's CloudKitty sends "" for none
        and mapping.get("group_id") is None
        and mapping.get("tenant_id") is None
    )


def mapping_cost(mapping: Mapping[str, Any]) -> Decimal | None:
    """A mapping's cost as a Decimal (CloudKitty sends text), None when it is not a number."""
    try:
        return Decimal(str(mapping.get("cost")))
    except InvalidOperation:
        return None
