"""Node checks for saas-multitenant: one tenant behind its HAProxy pair, and the dashboard.

Baked with one tenant, the HAProxy load balancer and the dashboard (the default answers
use Octavia, which is no node of the program): two HAProxy nodes holding the tenant's
virtual IP with keepalived, one app VM behind them, and the usage dashboard VM, which is
also the customer that sends requests to the VIP (the harness puts every port on one
segment, as the tenant's router would reach them).

The HA check kills the active HAProxy node's VM outright (qemu stopped, no shutdown) while
a bounded request loop runs against the VIP, then reads the loop's log: the failover time
and the count of failed requests are part of the result.
"""

import re
import shlex
import time
from collections.abc import Callable
from pathlib import Path

from tests.nodes.checks import Check, CheckFailed, Cluster
from tests.nodes.roles import BlueprintChecks, register
from tests.nodes.roles.common import base_checks, no_secret_in_clear, user_data_root_only

TENANT = "acme"
HAPROXY, APP, DASHBOARD = ("haproxy-1", "haproxy-2"), "app", "dashboard"
FAKE_OPENSTACK = Path(__file__).parent / "project" / "tests" / "fake_openstack.py"
PROBE = Path(__file__).with_name("node_probe.py")
BASE = "https://127.0.0.1"
FAKE_PORT = 5000
LOOP_LOG = "/var/tmp/vip-loop.log"
LOOP_SECONDS = 120


def pair(c: Cluster) -> tuple[str, str]:
    """The (MASTER, BACKUP) roles, as the program rendered keepalived's states."""
    states = {}
    for role in HAPROXY:
        found = re.search(r"state (MASTER|BACKUP)", c.deployment.node(role).user_data)
        states[found.group(1) if found else "none"] = role
    if set(states) != {"MASTER", "BACKUP"}:
        raise CheckFailed(f"the HAProxy nodes' keepalived states: {sorted(states)}")
    return states["MASTER"], states["BACKUP"]


def vip(c: Cluster) -> str:
    """The VIP as the program rendered it into keepalived's configuration."""
    found = re.search(r"virtual_ipaddress \{\s*([0-9.]+)", c.deployment.node(HAPROXY[0]).user_data)
    if not found:
        raise CheckFailed("no virtual_ipaddress in the HAProxy node's user data")
    return found.group(1)


def holds(c: Cluster, role: str, address: str) -> bool:
    return f" {address}/" in c.sh_ok(role, "ip -o -4 addr show")


def upload_probe(c: Cluster) -> None:
    if "probe" not in c.memo:
        script = shlex.quote(PROBE.read_text())
        c.sh_ok(DASHBOARD, f"printf %s {script} > /var/tmp/node_probe.py")
        c.memo["probe"] = True


def probe(c: Cluster, *args: str, timeout: float = 60) -> tuple[int, str]:
    """``node_probe.py`` on the dashboard node (the customer): (HTTP status, body)."""
    upload_probe(c)
    command = " ".join(shlex.quote(a) for a in args)
    out = c.sh_ok(DASHBOARD, f"python3 /var/tmp/node_probe.py {command}", timeout=timeout)
    status, _, body = out.partition("\n")
    return int(status.strip() or 0), body


def status_through_vip(c: Cluster) -> int:
    return probe(c, "get", f"http://{vip(c)}/")[0]


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> bool:
    """Poll ``condition`` every 2 s; whether it held within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(2)
    return True


def app_serves_from_its_volume(c: Cluster) -> str:
    source = c.sh_ok(APP, "findmnt -no SOURCE /srv/tenant").strip()
    disk = c.sh_ok(APP, "readlink -f /dev/disk/by-id/virtio-* | head -1").strip()
    if not source.startswith(disk) or not disk:
        raise CheckFailed(f"/srv/tenant is {source!r}, not on the data volume ({disk!r})")
    address = c.deployment.node(APP).address.ip
    code, page = probe(c, "get", f"http://{address}/")
    _, health = probe(c, "get", f"http://{address}/healthz")
    if code != 200 or f"<h1>{TENANT}</h1>" not in page or health.strip() != "ok":
        raise CheckFailed(f"app answered {code} {page[:80]!r} / {health[:20]!r}")
    return f"the tenant page from {source}, /healthz ok"


def master_holds_the_vip_and_serves(c: Cluster) -> str:
    address, (master, _) = vip(c), pair(c)

    def held() -> list[str]:
        return [role for role in HAPROXY if holds(c, role, address)]

    if not wait_for(lambda: held() == [master], 60):
        raise CheckFailed(f"VIP {address} held by {held() or 'nobody'}, expected {master} only")
    code, page = probe(c, "get", f"http://{address}/")
    if code != 200 or f"<h1>{TENANT}</h1>" not in page:
        raise CheckFailed(f"through the VIP: {code} {page[:80]!r}")
    return f"VIP {address} on {master} (MASTER) only; the tenant page through it"


def health_check_drops_a_dead_backend(c: Cluster) -> str:
    """Negative control of the backend path: nginx stopped on the app, the VIP answers 503."""
    c.sh_ok(APP, "systemctl stop nginx")
    try:
        if not wait_for(lambda: status_through_vip(c) == 503, 60):
            raise CheckFailed(f"with nginx stopped the VIP answered {status_through_vip(c)}")
    finally:
        c.sh_ok(APP, "systemctl start nginx")
    if not wait_for(lambda: status_through_vip(c) == 200, 60):
        raise CheckFailed(f"nginx back, the VIP answers {status_through_vip(c)}")
    return "503 while the only backend is down, 200 once it is back"


def start_loop(c: Cluster) -> None:
    """Requests to the VIP every 0.2 s for LOOP_SECONDS, in the background on the client."""
    upload_probe(c)
    loop = f"python3 /var/tmp/node_probe.py loop http://{vip(c)}/ {LOOP_SECONDS}"
    c.sh_ok(
        DASHBOARD, f"rm -f {LOOP_LOG}; setsid nohup {loop} >{LOOP_LOG} 2>&1 </dev/null & sleep 1"
    )


def read_loop(c: Cluster, after: float) -> list[tuple[float, str]]:
    rows = []
    for line in c.sh_ok(DASHBOARD, f"cat {LOOP_LOG}").splitlines():
        stamp, _, code = line.partition(" ")
        if float(stamp) >= after:
            rows.append((float(stamp), code))
    return rows


def failover_when_the_active_node_dies(c: Cluster) -> str:
    master, backup = pair(c)
    start_loop(c)
    time.sleep(10)
    killed_at = float(c.sh_ok(DASHBOARD, "date +%s.%N"))
    c.vms[master].stop()  # the active node dies: no shutdown, no VRRP goodbye
    moved = wait_for(lambda: holds(c, backup, vip(c)), 90)
    time.sleep(15)  # requests after the move
    rows = read_loop(c, killed_at)
    failed = [t for t, code in rows if code != "200"]
    after = [code for t, code in rows if failed and t > failed[-1]]
    c.save("failover-loop.log", "\n".join(f"{t:.3f} {code}" for t, code in rows))
    if not moved:
        raise CheckFailed(f"the VIP did not move to {backup} within 90 s")
    if not rows or rows[-1][1] != "200" or (failed and len(after) < 5):
        raise CheckFailed(f"requests after the failover: {rows[-5:]}")
    window = (failed[-1] - killed_at) if failed else 0.0
    c.memo["failover"] = (window, len(failed), len(rows))
    return (f"VIP moved to {backup}; {len(failed)} of {len(rows)} requests failed, "
            f"service back {window:.1f}s after the kill")  # fmt: skip


def the_loop_sees_an_outage(c: Cluster) -> str:
    """Negative control of the failover check: with keepalived stopped on the last node the
    VIP is gone and the same probe fails; started again, it answers."""
    _, backup = pair(c)
    c.sh_ok(backup, "systemctl stop keepalived")
    try:
        code = status_through_vip(c)
        if code == 200:
            raise CheckFailed("the VIP still answered with no node holding it")
    finally:
        c.sh_ok(backup, "systemctl start keepalived")
    if not wait_for(lambda: status_through_vip(c) == 200, 60):
        raise CheckFailed(f"keepalived started again, the VIP answers {status_through_vip(c)}")
    return f"no holder: {code or 'no answer'}; keepalived back: 200"


def dashboard_over_https_with_csrf(c: Cluster) -> str:
    code, health = probe(c, "get", "https://127.0.0.1/healthz")
    if code != 200 or health.strip() != "ok":
        raise CheckFailed(f"/healthz over HTTPS: {code} {health[:40]!r}")
    plain, _ = probe(c, "get", "http://127.0.0.1/")
    if plain != 0:
        raise CheckFailed(f"plain HTTP answered {plain}")
    forged, _ = probe(c, "login", BASE, "alice", "right-pw", "acme", "--no-csrf")
    if forged != 400:
        raise CheckFailed(f"a login POST without the CSRF token answered {forged}")
    return "HTTPS only (plain HTTP refused); a POST without the CSRF token refused (400)"


def tenant_logs_in_and_sees_its_own_usage(c: Cluster) -> str:
    """A real login through openstacksdk on the node, against a fake Keystone/Nova on it."""
    script = shlex.quote(FAKE_OPENSTACK.read_text())
    c.sh_ok(DASHBOARD, f"printf %s {script} > /var/tmp/fake_openstack.py")
    # only the server goes to the background, its output away from the SSH session
    c.sh_ok(DASHBOARD, f"setsid nohup python3 /var/tmp/fake_openstack.py {FAKE_PORT} "
                       ">/var/tmp/fake.log 2>&1 </dev/null & sleep 2")  # fmt: skip
    refused, page = probe(c, "login", BASE, "alice", "wrong-pw", "acme", timeout=180)
    if refused != 401 or "Login failed" not in page:
        raise CheckFailed(f"a wrong password answered {refused}: {page[:200]!r}")
    code, page = probe(c, "login", BASE, "alice", "right-pw", "acme", timeout=180)
    c.save("dashboard-usage.html", page)
    text = re.sub(r"<[^>]+>", " ", page)
    if code != 200 or "acme" not in text or "globex" in text or "7.50" not in text:
        raise CheckFailed(f"the usage page of acme: {code} {' '.join(text.split())[:300]!r}")
    return "wrong password refused (401); acme's page shows its 7.50 vCPU-hours, no other tenant"


register(
    BlueprintChecks(
        name="saas-multitenant",
        answers={
            "tenants": f"[{{name: {TENANT}, plan: starter, vms: 1, cidr: 10.40.1.0/24}}]",
            "load_balancer": "haproxy",
            "dashboard": "true",
            "dashboard_auth_url": f"http://127.0.0.1:{FAKE_PORT}/v3",
        },
        checks=[
            *(check for role in (*HAPROXY, APP, DASHBOARD) for check in base_checks(role)),
            user_data_root_only(DASHBOARD),
            no_secret_in_clear(DASHBOARD),
            Check(f"{APP}: the tenant's page from its data volume", app_serves_from_its_volume),
            Check("haproxy MASTER: holds the VIP", master_holds_the_vip_and_serves),
            Check("haproxy: a dead backend is dropped", health_check_drops_a_dead_backend),
            Check(f"{DASHBOARD}: HTTPS and CSRF", dashboard_over_https_with_csrf),
            Check(f"{DASHBOARD}: a tenant's usage", tenant_logs_in_and_sees_its_own_usage),
            Check("haproxy: failover when MASTER dies", failover_when_the_active_node_dies),
            Check("haproxy BACKUP: the probe sees an outage (negative)", the_loop_sees_an_outage),
        ],
        # the image carries the app's and the dashboard's nginx: not on the HAProxy nodes
        absent_services={role: ("nginx.service",) for role in HAPROXY},
        budget_seconds=1500,
    )
)
