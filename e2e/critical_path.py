"""How long `pulumi up` took against the longest chain of dependent creations.

Per-resource durations come from the engine's event log (``--event-log``): the
time between a resource's pre-event and its outputs event. The critical path
is the heaviest dependency chain of the state's custom resources; up/critical
path near 1 means the engine ran everything else in parallel.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any


def creation_durations(event_log: Path) -> dict[str, float]:
    started: dict[str, float] = {}
    durations: dict[str, float] = {}
    for line in event_log.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        event = json.loads(line)
        stamp = float(event.get("timestamp", 0))
        if "resourcePreEvent" in event:
            metadata = event["resourcePreEvent"]["metadata"]
            if metadata.get("op") == "create":
                started[metadata["urn"]] = stamp
        elif "resOutputsEvent" in event:
            urn = event["resOutputsEvent"]["metadata"]["urn"]
            if urn in started:
                durations[urn] = stamp - started[urn]
    return durations


def critical_path(state: dict[str, Any], durations: dict[str, float]) -> tuple[float, list[str]]:
    """(seconds, URNs) of the heaviest chain of dependent custom resources."""
    resources = {
        r["urn"]: r
        for r in state["deployment"].get("resources", [])
        if r.get("custom") and not r["type"].startswith("pulumi:providers:")
    }

    @cache
    def heaviest(urn: str) -> tuple[float, tuple[str, ...]]:
        best: tuple[float, tuple[str, ...]] = (0.0, ())
        for dependency in resources[urn].get("dependencies", []):
            if dependency in resources:
                best = max(best, heaviest(dependency))
        return best[0] + durations.get(urn, 0.0), (*best[1], urn)

    if not resources:
        return 0.0, []
    seconds, chain = max(heaviest(urn) for urn in resources)
    return seconds, list(chain)
