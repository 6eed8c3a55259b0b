"""saas-multitenant's offline preview as the tenant list grows (goal: 200 tenants under 30 s).

Bakes the blueprint with 10, 50 and 200 tenants (one app VM each, Octavia), times
``osbp preview`` (median of 3), and prints per size the time, the resource count and the
ratio to the goal, then the per-tenant slope of a least-squares fit and how far the
largest size is from that line (linear growth keeps it near 1.0).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OSBP = str(Path(sys.executable).parent / "osbp")
SIZES = (10, 50, 200)
RUNS = 3
GOAL_S = 30.0  # 200 tenants


def tenants(count: int) -> str:
    items = [
        {"name": f"t{index:04d}", "plan": "starter", "vms": 1,
         "cidr": f"10.{41 + index // 250}.{index % 250}.0/24"}
        for index in range(count)
    ]  # fmt: skip
    return json.dumps(items)


def preview_seconds(project: Path) -> tuple[float, int]:
    times, resources = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(
            [OSBP, "preview", "--json", str(project)], check=True, capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        resources = len(json.loads(proc.stdout)["resources"])
    return statistics.median(times), resources


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="osbp-bench-saas-"))
    try:
        points = []
        print(f"{'tenants':>7} {'resources':>9} {'median s':>9} {'s/tenant':>9} {'goal ratio':>10}")
        for count in SIZES:
            out = work / str(count)
            subprocess.run(
                [OSBP, "new", "saas-multitenant", "--no-input", "-o", str(out),
                 "--set", f"tenants={tenants(count)}"],
                check=True, capture_output=True,
            )  # fmt: skip
            seconds, resources = preview_seconds(out / "saas-multitenant")
            points.append((count, seconds))
            ratio = seconds / (GOAL_S * count / SIZES[-1])
            print(f"{count:7d} {resources:9d} {seconds:9.2f} {seconds / count:9.3f} {ratio:10.2f}")
        slope, intercept = statistics.linear_regression(*zip(*points, strict=True))
        largest, measured = points[-1]
        print(f"slope {slope:.3f} s/tenant, intercept {intercept:.2f} s; "
              f"{largest} tenants: measured/fitted {measured / (intercept + slope * largest):.2f}, "
              f"goal ratio {measured / GOAL_S:.2f}")  # fmt: skip
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
