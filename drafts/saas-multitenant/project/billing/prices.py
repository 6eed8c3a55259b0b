"""Reading and checking prices, before anything talks to CloudKitty.

Kept apart so that a bad prices object is refused (``PricesError``, exit 2) without a client
or credentials, and so that the rules on what CloudKitty can store live in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

SERVICES: tuple[str, ...] = ("cpu", "ram", "storage")
"""The metrics rated, in the order they are applied and shown."""

DECIMAL_PLACES = 8
"""CloudKitty stores a hashmap cost as NUMERIC(20, 8): more decimals would be rounded and
every later run would see a difference it cannot remove."""
MAX_PRICE = Decimal(10) ** (20 - DECIMAL_PLACES)

Prices = dict[str, Decimal]
"""Service name -> price of one unit per rating period."""


class PricesError(ValueError):
    """A prices object that cannot be applied; the message is one line."""


def parse_price(value: object, where: str) -> Decimal:
    """One price: a non-negative number (or decimal string) with at most 8 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PricesError(f"{where}: must be a non-negative number, got {shown(value)}")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise PricesError(f"{where}: must be a non-negative number, got {shown(value)}") from None
    if not price.is_finite() or price < 0:
        raise PricesError(f"{where}: must be a non-negative number, got {shown(value)}")
    exponent = price.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -DECIMAL_PLACES:
        raise PricesError(
            f"{where}: {text} has more than {DECIMAL_PLACES} decimal places (CloudKitty keeps 8)"
        )
    if price >= MAX_PRICE:
        raise PricesError(f"{where}: {text} is too large for CloudKitty (at most 12 digits)")
    return price


def parse_prices(raw: object, source: str, defaults: Mapping[str, object] | None = None) -> Prices:
    """``{"cpu", "ram", "storage"[, "currency"]}`` checked into Decimals.

    Every service needs a price, from ``raw`` or else from ``defaults`` (the stack config's
    field defaults); ``currency`` is allowed and ignored (CloudKitty has no currency).
    """
    if not isinstance(raw, Mapping):
        raise PricesError(
            f"{source}: prices must be an object with keys {', '.join(SERVICES)}, got {shown(raw)}"
        )
    allowed = (*SERVICES, "currency")
    for key in raw:
        if key not in allowed:
            raise PricesError(
                f"{source}: unknown key {shown(key)} in prices (expected {', '.join(allowed)})"
            )
    currency = raw.get("currency")
    if currency is not None and not isinstance(currency, str):
        raise PricesError(f"{source}: prices.currency must be a string, got {shown(currency)}")
    prices: Prices = {}
    for service in SERVICES:
        if service in raw:
            value = raw[service]
        elif defaults is not None and service in defaults:
            value = defaults[service]
        else:
            raise PricesError(f"{source}: prices.{service} is missing")
        prices[service] = parse_price(value, f"{source}: prices.{service}")
    return prices


def decimal_text(value: Decimal) -> str:
    """A cost as plain text without trailing zeros: 0.02000000 -> "0.02", 1E+1 -> "10"."""
    return format(value.normalize(), "f")


def shown(value: object) -> str:
    """A value quoted in an error message: JSON-like, on one line, at most 60 characters."""
    text = json.dumps(value) if isinstance(value, str | bool | None) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
