"""Carrying out a plan: the only module that writes to CloudKitty.

``apply()`` is the whole run (read, plan, execute); ``execute()`` is apart so that the order
of the writes and the hand-over of a new service's id can be seen in one small loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from billing.client import CloudKittyClient, CloudKittyError
from billing.planner import (
    Action,
    CreateMapping,
    CreateService,
    EnableModule,
    UpdateMapping,
    plan,
)
from billing.state import read_state


def execute(
    client: CloudKittyClient,
    actions: Iterable[Action],
    on_done: Callable[[Action], None] | None = None,
) -> list[Action]:
    """Carry out ``actions`` in order; a new service's id goes to its CreateMapping."""
    created: dict[str, str] = {}
    done: list[Action] = []
    for action in actions:
        if isinstance(action, EnableModule):
            client.enable_module(action.module)
        elif isinstance(action, CreateService):
            created[action.service] = str(client.create_service(action.service)["service_id"])
        elif isinstance(action, CreateMapping):
            service_id = action.service_id or created.get(action.service)
            if service_id is None:
                raise CloudKittyError(f"{action.service}: no service to attach the mapping to")
            client.create_mapping(service_id, action.cost)
        elif isinstance(action, UpdateMapping):
            client.update_mapping(action.mapping or {"mapping_id": action.mapping_id}, action.cost)
        else:
            client.delete_mapping(action.mapping_id)
        done.append(action)
        if on_done is not None:
            on_done(action)
    return done


def apply(
    client: CloudKittyClient,
    prices: Mapping[str, Decimal],
    on_done: Callable[[Action], None] | None = None,
) -> list[Action]:
    """Read CloudKitty's state, plan, execute; the actions carried out (empty: up to date)."""
    return execute(client, plan(prices, read_state(client, prices)), on_done)
