"""Wall time of the everyday osbp commands against their goals (2-core machine).

Prints one line per command, and for `new` and `preview` one per blueprint of the
catalog: median of N runs, the goal, and their ratio (below 1.0 meets the goal).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator.catalog import list_blueprints

OSBP = str(Path(sys.executable).parent / "osbp")
RUNS = 5
GOALS = {"osbp --help": 0.2, "osbp new": 1.0, "osbp preview": 3.0}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="osbp-bench-"))
    names = [b.name for b in list_blueprints()]
    try:
        samples: dict[tuple[str, str], list[float]] = {("osbp --help", ""): []}
        for run in range(RUNS):
            samples[("osbp --help", "")].append(timed([OSBP, "--help"]))
            for name in names:
                output = work / f"run{run}"
                new = timed([OSBP, "new", name, "--no-input", "-o", str(output)])
                preview = timed([OSBP, "preview", str(output / name)])
                samples.setdefault(("osbp new", name), []).append(new)
                samples.setdefault(("osbp preview", name), []).append(preview)
        print(f"{'command':<14} {'blueprint':<18} {'median s':>9} {'goal s':>7} {'ratio':>6}")
        for (command, name), values in samples.items():
            median, goal = statistics.median(values), GOALS[command]
            print(f"{command:<14} {name:<18} {median:9.3f} {goal:7.1f} {median / goal:6.2f}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
