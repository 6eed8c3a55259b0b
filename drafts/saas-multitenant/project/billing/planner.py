"""Deciding what to change: the actions and ``plan()``, with no I/O.

Pure so that idempotence (nothing to do when CloudKitty already rates the prices) and every
correction can be tested on a ``State`` alone, and so that ``--dry-run`` prints exactly what
``apply()`` would do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from billing.client import MODULE
from billing.prices import decimal_text
from billing.state import State, is_service_flat, mapping_cost


@dataclass(frozen=True)
class EnableModule:
    module: str = MODULE

    def text(self, done: bool) -> str:
        return f"{self.module} module " + ("enabled" if done else "to enable")


@dataclass(frozen=True)
class CreateService:
    service: str

    def text(self, done: bool) -> str:
        return f"{self.service}: service " + ("created" if done else "to create")


@dataclass(frozen=True)
class CreateMapping:
    service: str
    cost: Decimal
    service_id: str | None = None
    """None when the service is created by the same apply, before this mapping."""

    def text(self, done: bool) -> str:
        return f"{self.service}: mapping {decimal_text(self.cost)} " + (
            "created" if done else "to create"
        )


@dataclass(frozen=True)
class UpdateMapping:
    service: str
    mapping_id: str
    old_cost: Decimal | None
    cost: Decimal
    mapping: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    """The whole mapping as CloudKitty returned it: a v1 PUT sends all of it back."""

    def text(self, done: bool) -> str:
        old = "?" if self.old_cost is None else decimal_text(self.old_cost)
        return f"{self.service}: mapping {old} -> {decimal_text(self.cost)} " + (
            "updated" if done else "to update"
        )


@dataclass(frozen=True)
class DeleteMapping:
    service: str
    mapping_id: str
    cost: Decimal | None

    def text(self, done: bool) -> str:
        cost = "?" if self.cost is None else decimal_text(self.cost)
        return f"{self.service}: duplicate mapping {cost} ({self.mapping_id}) " + (
            "deleted" if done else "to delete"
        )


Action = EnableModule | CreateService | CreateMapping | UpdateMapping | DeleteMapping


def plan(prices: Mapping[str, Decimal], state: State) -> list[Action]:
    """The changes that make CloudKitty rate ``prices``; empty when it already does.

    Per service (in ``prices`` order): create the service if missing; keep one service-level
    flat mapping (one already at the right cost if there is one), delete the others, then
    create or correct the kept one. Costs compare as Decimals ("0.02000000" == 0.02). The
    module is enabled last, once its rules are right.
    """
    actions: list[Action] = []
    for service, price in prices.items():
        cost = Decimal(price)
        service_id = state.services.get(service)
        if service_id is None:
            actions += [CreateService(service), CreateMapping(service, cost)]
            continue
        flats = [m for m in state.mappings.get(service_id, []) if is_service_flat(m)]
        if not flats:
            actions.append(CreateMapping(service, cost, service_id))
            continue
        keep = next((m for m in flats if mapping_cost(m) == cost), flats[0])
        for mapping in flats:
            if mapping is not keep:
                actions.append(
                    DeleteMapping(service, str(mapping.get("mapping_id")), mapping_cost(mapping))
                )
        if mapping_cost(keep) != cost:
            actions.append(
                UpdateMapping(
                    service, str(keep.get("mapping_id")), mapping_cost(keep), cost, dict(keep)
                )
            )
    if not state.module_enabled:
        actions.append(EnableModule(MODULE))
    return actions
