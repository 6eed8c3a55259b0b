"""``python -m e2e [BLUEPRINT ...]``: the acceptance flow for every (or the named) blueprint.

Writes ``benchmarks/e2e-results.json`` (wall time of each step, resource counts, the
update step's time and replacements, where destroy spent its time) and exits non-zero if
any blueprint failed. A blueprint's failure is reported and cleaned up; the others still run.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from e2e.flow import REPO, Outcome, as_record, run_blueprint, say
from generator.catalog import Blueprint, get_blueprint, list_blueprints
from generator.errors import UnknownBlueprintError


def select(names: list[str]) -> list[Blueprint]:
    """The named blueprints (``BLUEPRINTS=...``), or the whole catalog when none is named."""
    return [get_blueprint(name) for name in names] if names else list_blueprints()


def run_all(blueprints: list[Blueprint], run_one: Callable[[Blueprint], Outcome]) -> list[Outcome]:
    """Each blueprint in turn; an exception escaping ``run_one`` fails that blueprint only."""
    outcomes = []
    for blueprint in blueprints:
        try:
            outcomes.append(run_one(blueprint))
        except Exception as error:
            say(f"{blueprint.name}: FAILED outside its flow: {type(error).__name__}: {error}")
            outcomes.append(Outcome(blueprint.name, error=f"{type(error).__name__}: {error}"))
    return outcomes


def summary(record: dict[str, Any]) -> str:
    first: dict[str, float] = next(iter(record["timings_s"].values()), {})
    update = record["update"]
    return (
        f"{record['blueprint']}: {'ok' if record['ok'] else 'FAILED'}, "
        f"{record['resources']} resources, up {first.get('up', '-')} s, "
        f"update {update.get('wall_s', '-')} s ({update.get('replaced', '-')} replaced), "
        f"destroy {first.get('destroy', '-')} s, critical path {record['critical_path_s']} s"
    )


def main(names: list[str]) -> int:
    try:
        blueprints = select(names)
    except UnknownBlueprintError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="osbp-e2e-") as work:
        outcomes = run_all(blueprints, lambda blueprint: run_blueprint(blueprint, Path(work)))
    records = [as_record(outcome) for outcome in outcomes]
    results = REPO / "benchmarks" / "e2e-results.json"
    results.write_text(json.dumps(records, indent=2) + "\n")
    for record in records:
        say(summary(record))
    failed = sum(not record["ok"] for record in records)
    say(f"acceptance took {time.perf_counter() - started:.0f} s")
    print(f"e2e: {len(records) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
