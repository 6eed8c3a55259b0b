"""Wall time of the everyday osbp commands against their goals (2-core machine).

Prints one line per command: median of N runs, the goal, and their ratio
(below 1.0 meets the goal).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OSBP = str(Path(sys.executable).parent / "osbp")
RUNS = 5
GOALS = {"osbp --help": 0.2, "osbp new": 1.0, "osbp preview": 3.0}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="osbp-bench-"))
    try:
        samples: dict[str, list[float]] = {name: [] for name in GOALS}
        for run in range(RUNS):
            samples["osbp --help"].append(timed([OSBP, "--help"]))
            output = work / f"run{run}"
            samples["osbp new"].append(
                timed([OSBP, "new", "wordpress-3tier", "--no-input", "-o", str(output)])
            )
            project = str(output / "wordpress-3tier")
            samples["osbp preview"].append(timed([OSBP, "preview", project]))
        print(f"{'command':<14} {'median s':>9} {'goal s':>7} {'ratio':>6}")
        for name, goal in GOALS.items():
            median = statistics.median(samples[name])
            print(f"{name:<14} {median:9.3f} {goal:7.1f} {median / goal:6.2f}")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
