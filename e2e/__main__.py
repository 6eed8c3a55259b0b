"""``python -m e2e [BLUEPRINT ...]``: the acceptance flow for every (or the named) blueprint.

Writes ``benchmarks/e2e-results.json`` (wall time of each step, resource counts,
critical path) and exits non-zero if any blueprint failed.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from e2e.flow import REPO, as_record, run_blueprint, say
from generator.catalog import get_blueprint, list_blueprints


def main(names: list[str]) -> int:
    blueprints = [get_blueprint(name) for name in names] or list_blueprints()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="osbp-e2e-") as work:
        outcomes = [run_blueprint(blueprint, Path(work)) for blueprint in blueprints]
    records = [as_record(outcome) for outcome in outcomes]
    results = REPO / "benchmarks" / "e2e-results.json"
    results.write_text(json.dumps(records, indent=2) + "\n")
    for record in records:
        state = "ok" if record["ok"] else "FAILED"
        say(
            f"{record['blueprint']}: {state}, {record['resources']} resources, "
            f"up {record['timings_s'].get('up', '-')} s, critical path "
            f"{record['critical_path_s']} s, ratio {record['up_over_critical_path']}"
        )
    failed = sum(not record["ok"] for record in records)
    say(f"acceptance took {time.perf_counter() - started:.0f} s")
    print(f"e2e: {len(records) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
