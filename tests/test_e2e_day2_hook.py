"""The acceptance flow's optional day-2 step (``acceptance.after_up``), with stand-ins for
the stack and the cloud: called once after the first ``up``, its checks recorded, the
state re-read, verified again and previewed with no change expected."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

from e2e import flow


class Stack:
    stack = "lab"

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.calls: list[Any] = []

    def export(self) -> dict[str, Any]:
        self.calls.append("export")
        return {"deployment": {"resources": []}}

    def outputs(self) -> dict[str, Any]:
        self.calls.append("outputs")
        return {"after": True}

    def preview(self, expect_no_changes: bool = False) -> None:
        self.calls.append(("preview", expect_no_changes))


def a_run(acceptance: types.SimpleNamespace, tmp_path: Path) -> flow.BlueprintRun:
    run = object.__new__(flow.BlueprintRun)
    run.blueprint = types.SimpleNamespace(name="lab-blueprint")  # type: ignore[assignment]
    run.work = tmp_path
    run.outcome = flow.Outcome("lab-blueprint")
    run.acceptance = acceptance  # type: ignore[assignment]
    run.conns = {"lab": "conn"}
    run.deployed = {"lab": "before"}  # type: ignore[dict-item]
    run.answers = {"lab": {}}
    return run


def test_the_day2_step_runs_then_the_state_is_verified_and_previewed(tmp_path: Path) -> None:
    seen: list[Any] = []

    def after_up(conn: Any, stack: Any, deployed: Any) -> list[str]:
        seen.append((conn, stack.stack, deployed))
        return ["reset 3 lab VM(s)"]

    def verify(conn: Any, deployed: Any, answers: dict[str, Any]) -> list[str]:
        seen.append(("verify", deployed.outputs))
        return ["still sealed"]

    run = a_run(types.SimpleNamespace(after_up=after_up, verify=verify), tmp_path)
    stack = Stack()
    run.after_up(stack)  # type: ignore[arg-type]
    assert seen == [("conn", "lab", "before"), ("verify", {"after": True})]
    assert stack.calls == ["export", "outputs", ("preview", True)]
    assert run.outcome.checks == [
        "lab (day-2 step): reset 3 lab VM(s)",
        "lab (after the day-2 step): still sealed",
    ]
    assert "after_up" in stack.timings


def test_without_the_hook_nothing_happens(tmp_path: Path) -> None:
    run = a_run(types.SimpleNamespace(), tmp_path)
    stack = Stack()
    run.after_up(stack)  # type: ignore[arg-type]
    assert stack.calls == [] and run.outcome.checks == []
