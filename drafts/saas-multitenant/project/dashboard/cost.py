"""What a tenant's usage costs, and where that figure comes from (pure: no cloud calls).

CloudKitty's quote prices the tenant's current resources for one rating period; when the
rating service is absent from the catalog or fails, the configured prices (per unit per
hour) price both the current resources (per hour) and the usage over the chosen period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Source(StrEnum):
    CLOUDKITTY = "cloudkitty"
    PRICES = "prices"
    NONE = "none"


@dataclass(frozen=True)
class Prices:
    """Prices per hour: per vCPU, per MB of RAM, per GB of volume."""

    cpu: float
    ram: float
    storage: float


@dataclass(frozen=True)
class Resources:
    """What a project holds now: vCPUs and RAM (MB) of its servers, GB of its volumes."""

    cpu: int
    ram_mb: int
    storage_gb: int


@dataclass(frozen=True)
class Consumption:
    """Usage over a period, in unit-hours."""

    vcpu_hours: float
    ram_mb_hours: float
    storage_gb_hours: float


@dataclass(frozen=True)
class CostLine:
    service: str
    quantity: float
    unit: str
    price: float

    @property
    def amount(self) -> float:
        return self.quantity * self.price


@dataclass(frozen=True)
class Cost:
    source: Source
    label: str
    rate: float | None = None
    """Price of the current resources for one rating period (an hour with prices)."""
    period_total: float | None = None
    """Price of the usage over the period (configured prices only)."""
    lines: tuple[CostLine, ...] = ()
    reason: str | None = None
    """Why CloudKitty's quote was not used."""


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def storage_gb_hours(
    volumes: Iterable[tuple[int, datetime | None]], start: datetime, end: datetime
) -> float:
    """GB-hours of ``(size_gb, created_at)`` volumes between start and end.

    A volume counts from its creation (or the start, if older or unknown) to the end;
    volumes deleted during the period are not listed by Cinder any more, so not counted.
    """
    start, end = as_utc(start), as_utc(end)
    total = 0.0
    for size, created in volumes:
        begin = start if created is None else max(start, as_utc(created))
        hours = max(0.0, (end - begin).total_seconds() / 3600)
        total += size * hours
    return total


def hourly_rate(resources: Resources, prices: Prices) -> float:
    return (
        resources.cpu * prices.cpu
        + resources.ram_mb * prices.ram
        + resources.storage_gb * prices.storage
    )


def period_lines(consumption: Consumption, prices: Prices) -> tuple[CostLine, ...]:
    return (
        CostLine("cpu", consumption.vcpu_hours, "vCPU-hours", prices.cpu),
        CostLine("ram", consumption.ram_mb_hours, "MB-hours", prices.ram),
        CostLine("storage", consumption.storage_gb_hours, "GB-hours", prices.storage),
    )


def choose_cost(
    *,
    quote: float | None,
    quote_error: str | None,
    resources: Resources,
    consumption: Consumption,
    prices: Prices | None,
) -> Cost:
    """CloudKitty's quote when there is one, else the configured prices, else nothing.

    ``quote`` is None with no ``quote_error`` when the rating service is not in the
    catalog; ``quote_error`` is the one-line reason the quote failed.
    """
    if quote is not None and quote_error is None:
        return Cost(
            source=Source.CLOUDKITTY,
            label="CloudKitty quote: price of the current resources for one rating period",
            rate=quote,
        )
    reason = (
        f"CloudKitty failed: {quote_error}"
        if quote_error is not None
        else "CloudKitty (rating) is not in the service catalog"
    )
    if prices is None:
        return Cost(
            source=Source.NONE,
            label="no cost available: no CloudKitty quote and no DASHBOARD_PRICES",
            reason=reason,
        )
    lines = period_lines(consumption, prices)
    return Cost(
        source=Source.PRICES,
        label="configured prices (DASHBOARD_PRICES) applied to the usage",
        rate=hourly_rate(resources, prices),
        period_total=sum(line.amount for line in lines),
        lines=lines,
        reason=reason,
    )
