"""One node-test run: bake, render, build/reuse the image, boot, wait, check, stop, report."""

import argparse
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from . import roles
from .checks import Cluster, Result, run_checks, write_results
from .image import ensure_image, packages_of
from .progress import elapsed, say
from .project import bake, capture, deployment_from_capture
from .seed import make_seed
from .segment import Hub, free_port
from .spec import Deployment
from .ssh import Ssh, make_key
from .vm import VM

REPO = Path(__file__).resolve().parents[2]
LOGIN_USERS = ("debian", "root")  # the image's cloud-init default user gets the meta-data key
NO_SUDO = "sudo: a password is required"


def _on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the VMs


def load_deployment(blueprint: str, workdir: Path) -> Deployment:
    project = bake(REPO, blueprint, workdir / "project")
    say(f"baked {blueprint} into {project}")
    return deployment_from_capture(blueprint, capture(REPO, project))


def wait_ready(vms: list[VM], keys: Path, timeout: float) -> dict[str, Ssh]:
    """Poll each VM over SSH until cloud-init reports done or error; return the working logins."""
    logins: dict[str, Ssh] = {}
    pending = {vm.node.role: vm for vm in vms}
    last_report = time.monotonic()
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for role, vm in list(pending.items()):
            if not vm.alive():
                raise RuntimeError(f"{role}: qemu exited (see {vm.logdir}/{role}-qemu.log)")
            for user in [logins[role].user] if role in logins else LOGIN_USERS:
                ssh = Ssh(keys, vm.forwards[22], user)
                proc = ssh.run("cloud-init status", timeout=40)
                if proc.returncode == 255 or NO_SUDO in proc.stderr or "login as" in proc.stdout:
                    continue  # sshd not up yet / not this user (yet)
                logins[role] = ssh
                if "status: done" in proc.stdout or "status: error" in proc.stdout:
                    status = proc.stdout.strip().splitlines()[-1]
                    say(
                        f"{role}: cloud-init finished ({status}) "
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
        say(f"{role}: TIMEOUT waiting for cloud-init after {timeout:.0f}s")
        if role not in logins:
            logins[role] = Ssh(keys, pending[role].forwards[22], LOGIN_USERS[0])
    return logins


def collect_logs(cluster: Cluster) -> None:
    for role in cluster.vms:
        for src in ("/var/log/cloud-init.log", "/var/log/cloud-init-output.log"):
            proc = cluster.sh(role, f"cat {src}", timeout=60)
            cluster.save(f"{role}-{Path(src).name}", proc.stdout + proc.stderr)
        proc = cluster.sh(role, "systemctl --failed --no-legend; free -m; df -h; "
                                "systemd-analyze; ip -br addr", timeout=60)  # fmt: skip
        cluster.save(f"{role}-system.txt", proc.stdout + proc.stderr)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGHUP, _on_sigterm)
    logdir = Path(args.logdir or tempfile.mkdtemp(prefix="osbp-nodes-"))
    logdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="osbp-nodes-work-"))
    say(f"logs: {logdir}")
    vms: list[VM] = []
    results: list[Result] = []
    hub = Hub()
    try:
        key = make_key(workdir)
        pubkey = key.with_suffix(".pub").read_text().strip()
        deployment = load_deployment(args.blueprint, workdir)
        blueprint = roles.for_blueprint(deployment.blueprint)
        if args.negative:
            if not blueprint.break_config:
                raise SystemExit(f"{blueprint.name} has no negative control")
            say(f"NEGATIVE CONTROL: {blueprint.break_config(deployment)}")
        for node in deployment.nodes:
            (logdir / f"{node.role}-user-data.yaml").write_text(node.user_data)
        packages = [p for n in deployment.nodes for p in packages_of(n.user_data)]
        image = ensure_image(packages, logdir / "build-image.log")

        segment = deployment.segment_network()
        nets = ", ".join(f"{n.role}={n.address}" for n in deployment.nodes)
        say(f"private segment {segment}: {nets}")
        hub.start()
        run_id = time.strftime("%Y%m%d%H%M%S")
        for i, node in enumerate(deployment.nodes):
            ports = [22, *blueprint.forwards.get(node.role, [])]
            seed = make_seed(node, i, segment, run_id, pubkey, workdir)
            vm = VM(node, i, image, seed, workdir, logdir, hub.port, hub.add_member(),
                    {p: free_port() for p in ports})  # fmt: skip
            vm.start()
            vms.append(vm)
        logins = wait_ready(vms, key, args.timeout)
        cluster = Cluster(deployment, {vm.node.role: vm for vm in vms}, logins, logdir)
        results = run_checks(blueprint.checks, cluster)
        collect_logs(cluster)
        for vm in vms:
            say(f"{vm.node.role}: qemu peak RSS {vm.peak_rss_mib() or 0:.0f} MiB")
    finally:
        for vm in vms:
            vm.stop()
        hub.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if not results:
            say(f"run aborted; logs kept in {logdir}")
    write_results(results, logdir / "results.json")

    failed = [r for r in results if not r.passed]
    say(
        f"RESULT {len(results) - len(failed)} passed, {len(failed)} failed "
        f"({elapsed():.0f}s; segment frames {hub.frames})"
    )
    if failed or args.keep_logs:
        say(f"logs kept in {logdir} (serial consoles, cloud-init logs, results.json)")
    else:
        shutil.rmtree(logdir, ignore_errors=True)
    if args.negative:
        return check_negative(blueprint.expected_failures, results)
    return 1 if failed or not results else 0


def check_negative(expected: list[str], results: list[Result]) -> int:
    """Exit 0 only if the broken config made the run fail, including every expected check."""
    failed = {r.name for r in results if not r.passed}
    missing = [name for name in expected if name not in failed]
    if not failed or missing:
        say(f"NEGATIVE CONTROL NOT DETECTED: expected failures missing: {missing}")
        return 1
    say(f"negative control detected as expected: {sorted(failed)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.nodes", description=__doc__)
    p.add_argument("blueprint", nargs="?", default="wordpress-3tier")
    p.add_argument(
        "--negative",
        action="store_true",
        help="negative control: break the config; exit 0 only if the checks catch it",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get("OSBP_NODES_TIMEOUT", "1500")),
        help="seconds to wait for cloud-init on each node (default 1500)",
    )
    p.add_argument("--logdir", help="where to keep logs (default: a new temp dir)")
    p.add_argument("--keep-logs", action="store_true", help="keep logs of a passing run too")
    return run(p.parse_args(argv))
