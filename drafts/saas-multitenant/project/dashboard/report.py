"""One project's page content: usage, quotas, volumes and cost, each failing on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from .cloud import CloudError, ProjectView, Quotas, TokenExpiredError, Usage, Volume
from .cost import Consumption, Cost, Prices, Resources, choose_cost, storage_gb_hours

T = TypeVar("T")


@dataclass(frozen=True)
class Report:
    project_id: str
    project_name: str
    start: datetime
    end: datetime
    usage: Usage | None = None
    quotas: Quotas | None = None
    volumes: tuple[Volume, ...] | None = None
    resources: Resources | None = None
    cost: Cost | None = None
    errors: tuple[str, ...] = ()

    @property
    def storage_gb(self) -> int | None:
        return None if self.volumes is None else sum(v.size_gb for v in self.volumes)


def _attempt(call: Callable[[], T], errors: list[str]) -> T | None:
    """The call's result, or None with its one-line error noted (an expired token ends all)."""
    try:
        return call()
    except TokenExpiredError:
        raise
    except CloudError as error:
        errors.append(str(error))
        return None


def build_report(
    view: ProjectView,
    project_name: str,
    start: datetime,
    end: datetime,
    prices: Prices | None,
) -> Report:
    errors: list[str] = []
    usage = _attempt(lambda: view.usage(start, end), errors)
    quotas = _attempt(view.quotas, errors)
    listed = _attempt(view.volumes, errors)
    volumes = None if listed is None else tuple(listed)
    if usage is None or volumes is None:
        errors.append("cost: not computed without the usage and the volumes")
        return Report(
            project_id=view.project_id,
            project_name=project_name,
            start=start,
            end=end,
            usage=usage,
            quotas=quotas,
            volumes=volumes,
            errors=tuple(errors),
        )
    resources = Resources(
        cpu=usage.vcpus_in_use,
        ram_mb=usage.ram_mb_in_use,
        storage_gb=sum(volume.size_gb for volume in volumes),
    )
    consumption = Consumption(
        vcpu_hours=usage.vcpu_hours,
        ram_mb_hours=usage.ram_mb_hours,
        storage_gb_hours=storage_gb_hours(
            ((volume.size_gb, volume.created_at) for volume in volumes), start, end
        ),
    )
    quote: float | None = None
    quote_error: str | None = None
    try:
        quote = view.quote(resources)
    except TokenExpiredError:
        raise
    except CloudError as error:
        quote_error = str(error)
    cost = choose_cost(
        quote=quote,
        quote_error=quote_error,
        resources=resources,
        consumption=consumption,
        prices=prices,
    )
    return Report(
        project_id=view.project_id,
        project_name=project_name,
        start=start,
        end=end,
        usage=usage,
        quotas=quotas,
        volumes=volumes,
        resources=resources,
        cost=cost,
        errors=tuple(errors),
    )
