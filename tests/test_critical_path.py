"""The acceptance report's critical path: the heaviest chain of dependent creations."""

from __future__ import annotations

import json
from pathlib import Path

from e2e.critical_path import creation_durations, critical_path


def urn(name: str) -> str:
    return f"urn:pulumi:dev::demo::openstack:x/y:Y::{name}"


def write_events(path: Path, spans: dict[str, tuple[int, int]]) -> Path:
    lines = []
    for name, (start, end) in spans.items():
        meta = {"urn": urn(name), "op": "create"}
        lines.append({"timestamp": start, "resourcePreEvent": {"metadata": meta}})
        lines.append({"timestamp": end, "resOutputsEvent": {"metadata": meta}})
    lines.append({"timestamp": 99, "summaryEvent": {}})
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def state(dependencies: dict[str, list[str]]) -> dict[str, object]:
    resources = [
        {
            "urn": urn(name),
            "type": "openstack:x/y:Y",
            "custom": True,
            "dependencies": [urn(d) for d in deps],
        }
        for name, deps in dependencies.items()
    ]
    resources.append(
        {
            "urn": "urn:pulumi:dev::demo::pulumi:providers:openstack::default",
            "type": "pulumi:providers:openstack",
            "custom": True,
        }
    )
    return {"deployment": {"resources": resources}}


def test_durations_come_from_pre_and_outputs_events(tmp_path: Path) -> None:
    log = write_events(tmp_path / "events.jsonl", {"net": (10, 12), "vm": (12, 20)})
    assert creation_durations(log) == {urn("net"): 2.0, urn("vm"): 8.0}


def test_the_heaviest_chain_wins_over_the_longest(tmp_path: Path) -> None:
    log = write_events(
        tmp_path / "events.jsonl",
        {"net": (0, 1), "subnet": (1, 2), "port": (2, 3), "volume": (0, 6), "vm": (6, 14)},
    )
    deployed = state(
        {"net": [], "subnet": ["net"], "port": ["subnet"], "volume": [], "vm": ["port", "volume"]}
    )
    seconds, chain = critical_path(deployed, creation_durations(log))
    assert seconds == 14.0
    assert chain == [urn("volume"), urn("vm")]


def test_an_empty_state_has_no_path() -> None:
    assert critical_path({"deployment": {"resources": []}}, {}) == (0.0, [])
