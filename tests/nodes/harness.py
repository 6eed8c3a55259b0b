"""Node tests of the catalog: bake, render, build/reuse the image, boot, wait, check, stop, report.

One suite per blueprint, run in turn; each boots all its nodes at once (its checks may need
several), prints its own time against its budget, and a failing suite does not stop the others.
"""

import argparse
import dataclasses
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import roles
from .checks import Cluster, Result, run_checks, write_results
from .image import Image, ensure_image, packages_of
from .progress import elapsed, say
from .project import bake, capture, deployment_from_capture
from .reuse import passing_result, result_key, store_passing
from .seed import make_seed
from .segment import Hub, free_port
from .spec import Deployment, NodeSpec
from .ssh import Ssh, make_key
from .vm import MEMORY_MIB, VM

REPO = Path(__file__).resolve().parents[2]
LOGIN_USERS = ("debian", "root")  # the image's cloud-init default user gets the meta-data key
NO_SUDO = "sudo: a password is required"
IMAGE_BUDGET_SECONDS = 600  # a cold image build on the 2-core CI machine
VM_OVERHEAD_MIB = 450  # per VM on top of its memory: TCG translation cache and qemu itself


def _on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the VMs


@dataclass
class Suite:
    """One blueprint's node test."""

    name: str
    checks: roles.BlueprintChecks
    deployment: Deployment | None = None
    results: list[Result] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    reused: bool = False

    def nodes(self) -> list[NodeSpec]:
        return self.deployment.nodes if self.deployment else []

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.results) and all(r.passed for r in self.results)


def catalog_names() -> list[str]:
    sys.path.insert(0, str(REPO))
    from generator.catalog import list_blueprints

    return [b.name for b in list_blueprints()]


def wait_ready(vms: list[VM], keys: Path, timeout: float) -> dict[str, Ssh]:
    """Poll each VM over SSH until cloud-init reports done or error; return the working logins."""
    logins: dict[str, Ssh] = {}
    pending = {vm.node.role: vm for vm in vms}
    last_report = time.monotonic()
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for role, vm in list(pending.items()):
            if not vm.alive():
                raise RuntimeError(f"{vm.name}: qemu exited (see {vm.logdir}/{vm.name}-qemu.log)")
            for user in [logins[role].user] if role in logins else LOGIN_USERS:
                ssh = Ssh(keys, vm.forwards[22], user)
                proc = ssh.run("cloud-init status", timeout=40)
                if proc.returncode == 255 or NO_SUDO in proc.stderr or "login as" in proc.stdout:
                    continue  # sshd not up yet / not this user (yet)
                logins[role] = ssh
                if "status: done" in proc.stdout or "status: error" in proc.stdout:
                    status = proc.stdout.strip().splitlines()[-1]
                    say(
                        f"{vm.name}: cloud-init finished ({status}) "
                        f"{time.monotonic() - vm.started_at:.0f}s after boot; ssh as {user}"
                    )
                    del pending[role]
                break
        if pending and time.monotonic() - last_report > 60:
            last_report = time.monotonic()
            states = {r: ("ssh up" if r in logins else "booting") for r in pending}
            say(f"waiting for cloud-init: {states}")
        time.sleep(5)
    for role in pending:
        say(f"{pending[role].name}: TIMEOUT waiting for cloud-init after {timeout:.0f}s")
        if role not in logins:
            logins[role] = Ssh(keys, pending[role].forwards[22], LOGIN_USERS[0])
    return logins


def collect_logs(cluster: Cluster) -> None:
    for role, vm in cluster.vms.items():
        for src in ("/var/log/cloud-init.log", "/var/log/cloud-init-output.log"):
            proc = cluster.sh(role, f"cat {src}", timeout=60)
            cluster.save(f"{vm.name}-{Path(src).name}", proc.stdout + proc.stderr)
        proc = cluster.sh(role, "systemctl --failed --no-legend; free -m; df -h; "
                                "systemd-analyze; ip -br addr", timeout=60)  # fmt: skip
        cluster.save(f"{vm.name}-system.txt", proc.stdout + proc.stderr)


class Boot:
    """The VMs of one suite on their private segment; nodes can be replaced while it runs."""

    def __init__(
        self, suite: Suite, image: Image, workdir: Path, logdir: Path, timeout: float
    ) -> None:
        assert suite.deployment is not None
        self.deployment, self.checks = suite.deployment, suite.checks
        self.image, self.workdir, self.logdir, self.timeout = image, workdir, logdir, timeout
        self.key = make_key(workdir)
        self.pubkey = self.key.with_suffix(".pub").read_text().strip()
        self.segment = self.deployment.segment_network()
        self.hub = Hub()
        self.vms: dict[str, VM] = {}
        self.ssh: dict[str, Ssh] = {}

    def start(self) -> Cluster:
        nets = ", ".join(
            f"{n.role}={'+'.join(str(a.ip) for a in n.addresses)}" for n in self.deployment.nodes
        )
        say(f"private segment {self.segment}: {nets}")
        self.hub.start()
        for index, node in enumerate(self.deployment.nodes):
            members = [self.hub.add_member() for _ in node.addresses]
            self.vms[node.role] = self._boot(node, index, members, generation=0)
        self.ssh.update(wait_ready(list(self.vms.values()), self.key, self.timeout))
        return Cluster(self.deployment, self.vms, self.ssh, self.logdir, replacer=self.replace)

    def _boot(self, node: NodeSpec, index: int, members: list[int], generation: int) -> VM:
        run_id = f"{time.strftime('%Y%m%d%H%M%S')}-{generation}"
        name = node.role if generation == 0 else f"{node.role}-replacement{generation}"
        (self.logdir / f"{name}-user-data.yaml").write_text(node.user_data)
        absent = self.checks.absent_services.get(node.role, ())
        seed = make_seed(node, index, self.segment, run_id, self.pubkey, self.workdir, absent)
        ports = [22, *self.checks.forwards.get(node.role, [])]
        vm = VM(node, index, self.image, seed, self.workdir, self.logdir, self.hub.port, members,
                {p: free_port() for p in ports}, generation)  # fmt: skip
        vm.start()
        return vm

    def replace(self, role: str, user_data: str) -> None:
        """Power the role's server off, boot its replacement, wait for its cloud-init."""
        old = self.vms[role]
        self.ssh[role].run("systemctl poweroff", timeout=30)
        if not old.wait_exit(120):
            say(f"{old.name}: did not power off in 120s; stopping it")
        old.stop()
        node = dataclasses.replace(old.node, user_data=user_data)
        new = self._boot(node, old.index, old.member_ports, old.generation + 1)
        self.vms[role] = new
        self.ssh.update(wait_ready([new], self.key, self.timeout))

    def peak_memory(self) -> None:
        for vm in self.vms.values():
            say(f"{vm.name}: qemu peak RSS {vm.peak_rss_mib() or 0:.0f} MiB")

    def stop(self) -> None:
        for vm in self.vms.values():
            vm.stop()
        self.hub.stop()


def memory_available_mib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def prepare(suite: Suite, workdir: Path) -> None:
    """Bake the blueprint and capture each node's configuration as its program renders it."""
    project = bake(REPO, suite.name, workdir / "project", suite.checks.answers)
    shown = " ".join(f"{k}={v}" for k, v in suite.checks.answers.items()) or "the defaults"
    say(f"{suite.name}: baked with {shown} into {project}")
    suite.deployment = deployment_from_capture(
        suite.name, capture(REPO, project), suite.checks.extra_nodes
    )


def run_suite(suite: Suite, image: Image, args: argparse.Namespace, logroot: Path) -> None:
    assert suite.deployment is not None
    t0 = time.monotonic()
    key = result_key(suite.deployment, image, roles.checks_file(suite.name))
    say(f"{suite.name}: result key {key}")
    previous = None if args.rerun else passing_result(suite.name, key)
    if previous is not None:
        say(f"{suite.name}: nothing changed since the passing run of {previous['passed_at']} "
            f"({previous['seconds']}s): result reused (--rerun boots anyway)")  # fmt: skip
        suite.results = [Result(**r) for r in previous["results"]]
        suite.reused = True
        return
    nodes = suite.deployment.nodes
    need = len(nodes) * (MEMORY_MIB + VM_OVERHEAD_MIB)
    available = memory_available_mib()
    if available < need:
        suite.error = (f"not enough memory to boot its {len(nodes)} VMs together: "
                       f"needs {need} MiB, {available} MiB available")  # fmt: skip
        return
    say(f"{suite.name}: booting {len(nodes)} VMs in parallel ({need} MiB of {available} MiB)")
    logdir = logroot / suite.name
    logdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"osbp-nodes-{suite.name}-"))
    boot = Boot(suite, image, workdir, logdir, args.timeout)
    try:
        cluster = boot.start()
        suite.results = run_checks(suite.checks.checks, cluster)
        collect_logs(cluster)
        boot.peak_memory()
    finally:
        boot.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        suite.seconds = time.monotonic() - t0
    write_results(suite.results, logdir / "results.json")
    if suite.passed:
        results = [dataclasses.asdict(r) for r in suite.results]
        store_passing(suite.name, key, results, suite.seconds)


def report(suite: Suite) -> str:
    failed = [r for r in suite.results if not r.passed]
    budget = suite.checks.budget_seconds
    if suite.reused:
        timing = "reused, 0s"
    else:
        over = " OVER BUDGET" if suite.seconds > budget else ""
        timing = f"{suite.seconds:.0f}s, budget {budget}s{over}"
    verdict = "PASS" if suite.passed else "FAIL"
    detail = suite.error or f"{len(suite.results) - len(failed)} passed, {len(failed)} failed"
    return f"SUITE {suite.name}: {verdict} ({detail}; {timing})"


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    known = catalog_names()
    names = args.blueprints or known
    try:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise roles.NoNodeChecks(f"not in the catalog: {', '.join(unknown)}")
        suites = [Suite(name, roles.for_blueprint(name)) for name in names]
    except roles.NoNodeChecks as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logroot = Path(args.logdir or tempfile.mkdtemp(prefix="osbp-nodes-"))
    logroot.mkdir(parents=True, exist_ok=True)
    say(f"node tests of {', '.join(names)}; logs: {logroot}")
    workdir = Path(tempfile.mkdtemp(prefix="osbp-nodes-bake-"))
    try:
        for suite in suites:
            try:
                prepare(suite, workdir / suite.name)
            except Exception as exc:  # one blueprint's failure is reported, the others run
                suite.error = f"could not render its nodes: {type(exc).__name__}: {exc}"
                say(f"{suite.name}: {suite.error}")
        ready = [s for s in suites if s.deployment is not None]
        packages = [
            p for s in ready for n in s.nodes() for p in packages_of(n.user_data)
        ]  # fmt: skip
        t_image = time.monotonic()
        image = ensure_image(packages, logroot / "build-image.log") if ready else None
        say(f"image: {time.monotonic() - t_image:.0f}s (budget {IMAGE_BUDGET_SECONDS}s cold)")
        if args.images_only:  # CI builds the images while the fast suite runs
            if len(ready) == len(suites):
                shutil.rmtree(logroot, ignore_errors=True)
                return 0
            return 1
        for suite in ready:
            assert image is not None
            try:
                run_suite(suite, image, args, logroot)
            except Exception as exc:
                suite.error = f"{type(exc).__name__}: {exc}"
            say(report(suite))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    budget = IMAGE_BUDGET_SECONDS + sum(s.checks.budget_seconds for s in suites)
    if len(suites) > 1:
        for suite in suites:
            say(report(suite))
    failed = [s for s in suites if not s.passed]
    say(f"RESULT {len(suites) - len(failed)} of {len(suites)} suite(s) passed "
        f"in {elapsed():.0f}s (budget {budget}s)")  # fmt: skip
    if failed or args.keep_logs:
        say(f"logs kept in {logroot} (serial consoles, cloud-init logs, results.json)")
    else:
        shutil.rmtree(logroot, ignore_errors=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.nodes", description=__doc__)
    p.add_argument("blueprints", nargs="*", help="blueprints to test (default: the whole catalog)")
    p.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("OSBP_NODES_TIMEOUT", "1500")),
        help="seconds to wait for cloud-init on each node (default 1500)",
    )
    p.add_argument(
        "--images-only",
        action="store_true",
        help="build (or find cached) the image of the named blueprints' nodes and boot nothing",
    )
    p.add_argument("--logdir", help="where to keep logs (default: a new temp dir)")
    p.add_argument("--keep-logs", action="store_true", help="keep logs of a passing run too")
    p.add_argument(
        "--rerun",
        action="store_true",
        default=os.environ.get("OSBP_NODES_RERUN") == "1",
        help="boot even if a passing result for the same key exists (OSBP_NODES_RERUN=1)",
    )
    return run(p.parse_args(argv))
