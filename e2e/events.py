"""What a `pulumi up` / `pulumi destroy` did, read from its engine events.

The events come from ``pulumi ... --json`` (one JSON object per line), each stamped on
arrival with the seconds since the command started (the events' own timestamps have a
1 s resolution, too coarse for a 12 s destroy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Stamped = tuple[float, dict[str, Any]]

REPLACE_OPS = {"replace", "create-replacement", "delete-replaced"}
WAVE_OVERLAP_S = 0.05
"""A step starting this close to the end of all the earlier ones still opens the next
wave (event stamps are taken on arrival)."""
WAVE_SPREAD_S = 0.1
"""The steps of one wave start together, within this of its first: instant steps (those
``deleted_with`` skips) stay in their wave."""


def _pre(event: dict[str, Any]) -> dict[str, Any] | None:
    pre = event.get("resourcePreEvent")
    return pre["metadata"] if pre else None


def replaced(events: list[Stamped]) -> list[str]:
    """URNs of the resources the run replaced (whatever the order: create or delete first)."""
    urns = {
        meta["urn"]
        for _, event in events
        if (meta := _pre(event)) is not None and meta.get("op") in REPLACE_OPS
    }
    return sorted(urns)


def operations(events: list[Stamped]) -> dict[str, int]:
    """How many steps of each kind (create, update, delete, replace, ...) the run took."""
    counts: dict[str, int] = {}
    for _, event in events:
        meta = _pre(event)
        if meta is not None and meta.get("op") not in ("same", "read", None):
            counts[meta["op"]] = counts.get(meta["op"], 0) + 1
    return counts


@dataclass
class Profile:
    """Where a run's wall time went."""

    total_s: float
    engine_start_s: float
    """Command start to the engine's prelude (CLI, backend, snapshot, plugins found)."""
    first_step_s: float
    """Prelude to the first resource step: provider start-up and configuration."""
    steps_s: float
    """First resource step to the last one's end: the API work, in parallel where allowed."""
    tail_s: float
    """Last step's end to the command's exit (summary, checkpoint, provider shut-down)."""
    durations: dict[str, float] = field(default_factory=dict)
    """Seconds of each resource step (pre-event to outputs event), by URN."""
    starts: dict[str, float] = field(default_factory=dict)
    """When each resource step began, by URN."""

    def waves(self) -> list[tuple[float, str]]:
        """The run's steps grouped into waves: (seconds, its slowest step) for each.

        A destroy deletes in waves: the engine schedules deletions as antichains of the
        dependency graph, and a wave starts only when the previous one has finished
        (``ScheduleDeletes`` in Pulumi's step generator). A step that begins after every
        earlier step has ended, and not together with the current wave's first, opens a new
        wave, so a destroy lasts about the sum of each wave's slowest step, however short
        the other chains are.
        """
        waves: list[list[str]] = []
        end = 0.0  # of every step so far
        for urn in sorted(self.starts, key=self.starts.__getitem__):
            start = self.starts[urn]
            if not waves or (
                start > self.starts[waves[-1][0]] + WAVE_SPREAD_S and start >= end - WAVE_OVERLAP_S
            ):
                waves.append([])
            waves[-1].append(urn)
            end = max(end, start + self.durations.get(urn, 0.0))
        return [self._wave(urns) for urns in waves]

    def _wave(self, urns: list[str]) -> tuple[float, str]:
        """(seconds from the wave's first start to its last end, its slowest step)."""
        ends = [self.starts[urn] + self.durations.get(urn, 0.0) for urn in urns]
        slowest = max(urns, key=lambda urn: self.durations.get(urn, 0.0))
        return max(ends) - self.starts[urns[0]], describe(slowest)

    def as_record(self) -> dict[str, Any]:
        slowest = sorted(self.durations.items(), key=lambda item: -item[1])[:5]
        return {
            "total_s": round(self.total_s, 2),
            "engine_start_s": round(self.engine_start_s, 2),
            "provider_start_s": round(self.first_step_s, 2),
            "resource_steps_s": round(self.steps_s, 2),
            "tail_s": round(self.tail_s, 2),
            "serial_sum_s": round(sum(self.durations.values()), 2),
            "slowest": {describe(urn): round(seconds, 2) for urn, seconds in slowest},
            "waves": [{"s": round(seconds, 2), "slowest": what} for seconds, what in self.waves()],
        }


def describe(urn: str) -> str:
    """``Instance mysql``: a URN's type name and resource name, for reports."""
    kind = urn.split("::")[-2].split("$")[-1]
    return f"{kind.split(':')[-1]} {urn.split('::')[-1]}"


def profile(events: list[Stamped], total_s: float) -> Profile:
    """Split ``total_s`` into engine start, provider start, resource steps and tail."""
    prelude = next((t for t, event in events if "preludeEvent" in event), 0.0)
    started: dict[str, float] = {}
    durations: dict[str, float] = {}
    for stamp, event in events:
        meta = _pre(event)
        if meta is not None and meta.get("op") not in ("same", "read"):
            started.setdefault(meta["urn"], stamp)
        outputs = event.get("resOutputsEvent")
        if outputs and outputs["metadata"]["urn"] in started:
            urn = outputs["metadata"]["urn"]
            durations[urn] = stamp - started[urn]
    if not started:
        return Profile(total_s, prelude, 0.0, 0.0, total_s - prelude)
    first = min(started.values())
    last = max(started[urn] + durations.get(urn, 0.0) for urn in started)
    return Profile(
        total_s=total_s,
        engine_start_s=prelude,
        first_step_s=first - prelude,
        steps_s=last - first,
        tail_s=total_s - last,
        durations=durations,
        starts=started,
    )
