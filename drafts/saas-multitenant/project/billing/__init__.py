"""CloudKitty rating rules for the tenants' usage, applied after ``pulumi up``.

The Pulumi provider has no CloudKitty resources, so ``make billing`` (``python -m billing``)
applies them through CloudKitty's v1 API: the hashmap module enabled, one hashmap service per
metric (cpu, ram, storage) and on each service one flat service-level mapping whose cost is
the price of one unit per rating period. Applying is idempotent: ``plan()`` compares the
wanted prices with what CloudKitty holds and only the differences are sent.

One module per job, each usable alone (their names are re-exported here):

- ``prices``: ``parse_prices()`` checks a ``{"cpu": ..., "ram": ..., "storage": ...}`` object;
- ``client``: ``CloudKittyClient``, the few v1 calls over a keystoneauth-like session;
- ``state``: ``read_state()``, observe (GETs only);
- ``planner``: the actions and ``plan()``, decide (pure);
- ``executor``: ``execute()`` and ``apply()``, the only writes;
- ``report``: ``show()``, the current rules and a quote for one unit of each service.
"""

from __future__ import annotations

from billing.client import (
    HASHMAP,
    MODULE,
    RATING_FILTER,
    CloudKittyClient,
    CloudKittyError,
    Response,
    Session,
    endpoint_root,
)
from billing.executor import apply, execute
from billing.planner import (
    Action,
    CreateMapping,
    CreateService,
    DeleteMapping,
    EnableModule,
    UpdateMapping,
    plan,
)
from billing.prices import (
    DECIMAL_PLACES,
    MAX_PRICE,
    SERVICES,
    Prices,
    PricesError,
    decimal_text,
    parse_price,
    parse_prices,
)
from billing.report import show
from billing.state import State, is_service_flat, mapping_cost, read_state

__all__ = [
    "DECIMAL_PLACES",
    "HASHMAP",
    "MAX_PRICE",
    "MODULE",
    "RATING_FILTER",
    "SERVICES",
    "Action",
    "CloudKittyClient",
    "CloudKittyError",
    "CreateMapping",
    "CreateService",
    "DeleteMapping",
    "EnableModule",
    "Prices",
    "PricesError",
    "Response",
    "Session",
    "State",
    "UpdateMapping",
    "apply",
    "decimal_text",
    "endpoint_root",
    "execute",
    "is_service_flat",
    "mapping_cost",
    "parse_price",
    "parse_prices",
    "plan",
    "read_state",
    "show",
]
