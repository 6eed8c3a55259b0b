"""saas-multitenant: ``pulumi up`` for 1, 5 and 20 tenants on the sandbox, against the API
critical path (goal: up / critical path under 1.5 at 5 tenants; 20 reported as it is).

Each size is a fresh stack of the acceptance answers with N tenants (one app VM each,
Octavia), run as Keystone's system administrator as the blueprint declares; then destroyed.
Per size it prints the wall time of ``up``, the critical path (the heaviest chain of
dependent resources, from the engine's own events), their ratio, the resource count, and
per tenant: the time and the memory of the provider processes (each tenant's scoped
provider is its own plugin process; their peak RSS is sampled from /proc while up runs).

Run by ``make bench-saas`` (part of ``make bench``, not CI): needs the tools and the sandbox
with Octavia (``sandbox/up.sh --with-octavia``); ``python benchmarks/saas_up_scale.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]  # drafts/<name>/benchmarks/ -> the repository
sys.path.insert(0, str(REPO))

from e2e.critical_path import creation_durations, critical_path  # noqa: E402
from e2e.flow import acceptance_module, config_values, make_venv  # noqa: E402
from e2e.pulumi_cli import PulumiStack, tools_env  # noqa: E402
from e2e.rights import declared_stacks, system_scoped_env  # noqa: E402
from generator.catalog import get_blueprint  # noqa: E402
from generator.project import new_project  # noqa: E402

BLUEPRINT = "saas-multitenant"
PROVIDER_PROCESS = "pulumi-resource-openstack"


def tenants(count: int) -> list[dict[str, Any]]:
    return [
        {"name": f"t{index:03d}", "plan": "starter", "vms": 1, "cidr": f"10.70.{index}.0/24"}
        for index in range(count)
    ]


class ProviderMemory:
    """Peak summed RSS and peak count of the OpenStack provider processes, sampled each 0.5 s."""

    def __init__(self) -> None:
        self.peak_mib, self.peak_processes = 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ProviderMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            rss = []
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:  # comm is cut at 15 characters: the command line names the plugin
                    if PROVIDER_PROCESS not in (proc / "cmdline").read_text(errors="replace"):
                        continue
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "")
                rss.append(int(line.split()[1]) / 1024 if line else 0.0)
            self.peak_mib = max(self.peak_mib, sum(rss))
            self.peak_processes = max(self.peak_processes, len(rss))


def one_size(count: int, work: Path) -> str:
    blueprint = get_blueprint(BLUEPRINT)
    acceptance = acceptance_module(blueprint)
    declared = declared_stacks(blueprint.path)[0]
    answers = {**acceptance.ANSWERS, "tenants": tenants(count), "protect_data": False}
    answers["plans"] = acceptance.PLANS
    project = new_project(blueprint.name, work / f"p{count}", {**answers, "stack": declared.name})
    make_venv(project)
    (work / f"backend{count}").mkdir()
    env = system_scoped_env(tools_env(project, work / f"backend{count}", declared.cloud))
    stack = PulumiStack(project, declared.name, env)
    stack.init()
    stack.config_set(config_values(blueprint, {"protect_data": False}))
    log = work / f"up-{count}.jsonl"
    try:
        with ProviderMemory() as memory:
            stack.up("up", log)
        state = stack.export()
        path_s, _ = critical_path(state, creation_durations(log))
        up_s = stack.timings["up"]
        resources = len(state["deployment"].get("resources", []))
    finally:
        stack.run("destroy", "destroy", "--yes", "--skip-preview", check=False)
    return (
        f"{count:7d} {resources:9d} {up_s:7.1f} {path_s:9.1f} {up_s / path_s:6.2f} "
        f"{up_s / count:10.1f} {memory.peak_processes:9d} {memory.peak_mib / count:13.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1, 5, 20])
    args = parser.parse_args()
    print(f"{'tenants':>7} {'resources':>9} {'up s':>7} {'path s':>9} {'ratio':>6} "
          f"{'s/tenant':>10} {'providers':>9} {'MiB/tenant':>13}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="osbp-bench-saas-") as tmp:
        for count in args.sizes:
            print(one_size(count, Path(tmp)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
