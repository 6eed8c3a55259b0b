"""Checks every node role gets: cloud-init finished cleanly, no generated secret readable by all."""

import re
import shlex
from secrets import token_hex as secrets_token_hex

from ..checks import Check, CheckFailed, Cluster

LOG_PROBLEM = re.compile(r" (WARNING|ERROR|CRITICAL)[ :]|Traceback")


def cloud_init_done(role: str) -> Check:
    def run(c: Cluster) -> str:
        out = c.sh(role, "cloud-init status --long; echo exit=$?", timeout=60).stdout
        c.save(f"{role}-cloud-init-status.txt", out)
        if "status: done" not in out:
            status = next((ln for ln in out.splitlines() if ln.startswith("status:")), out[-200:])
            raise CheckFailed(status.strip() or "no answer over SSH")
        return ""

    return Check(f"{role}: cloud-init status done", run)


def cloud_init_log_clean(role: str) -> Check:
    """cloud-init 22.4 reports recoverable problems only in its log, not in ``status``."""

    def run(c: Cluster) -> str:
        log = c.sh_ok(role, "cat /var/log/cloud-init.log", timeout=120)
        c.save(f"{role}-cloud-init.log", log)
        problems = [ln for ln in log.splitlines() if LOG_PROBLEM.search(ln)]
        if problems:
            shown = " || ".join(p[-160:] for p in problems[:3])
            raise CheckFailed(f"{len(problems)} WARNING/ERROR/Traceback line(s): {shown}")
        return ""

    return Check(f"{role}: cloud-init.log has no WARNING/ERROR/Traceback", run)


def no_secret_in_clear(role: str) -> Check:
    """Search every generated secret in all files an unprivileged user can read.

    grep runs as ``nobody``: a hit is a file that is world-readable AND reachable through
    world-searchable directories, i.e. readable by any local user or service. A world-readable
    canary file planted for the search proves it would have found a leak.
    """

    def run(c: Cluster) -> str:
        secrets = c.deployment.secrets
        if not secrets:
            raise CheckFailed("the capture revealed no secret to search for")
        canary_text = f"osbp-canary-{secrets_token_hex(8)}"
        canary = f"/var/tmp/osbp-canary-{role}"
        pats = " ".join(f"-e {shlex.quote(v)}" for v in [*secrets.values(), canary_text])
        script = (
            f"echo {canary_text} > {canary} && chmod 0644 {canary} && cd / && "
            "timeout 900 setpriv --reuid=nobody --regid=nogroup --clear-groups "
            "grep -rlsF --devices=skip --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev "
            f"{pats} / ; echo rc=$?; rm -f {canary}"
        )
        out = c.sh(role, script, timeout=960).stdout
        hits = [ln for ln in out.splitlines() if ln.startswith("/") and ln != canary]
        if hits:
            raise CheckFailed(f"secret readable by any user in: {', '.join(hits[:10])}")
        # grep exits 2 when some files were unreadable (expected as nobody); 124 = timed out
        if not re.search(r"^rc=[012]$", out, re.M) or canary not in out.splitlines():
            raise CheckFailed(f"search did not complete or missed its canary: {out[-200:]}")
        return f"{len(secrets)} secret(s) searched, canary found"

    return Check(f"{role}: no generated secret in any world-readable file", run)


def base_checks(role: str) -> list[Check]:
    return [cloud_init_done(role), cloud_init_log_clean(role)]


def user_data_root_only(role: str) -> Check:
    """An unprivileged user reads the user data neither from cloud-init's files nor from the
    seed device; root can (positive control: the search would have found them)."""

    def run(c: Cluster) -> str:
        secrets = list(c.deployment.secrets.values())
        pats = " ".join(f"-e {shlex.quote(v)}" for v in secrets)
        nobody = "setpriv --reuid=nobody --regid=nogroup --clear-groups"
        out = c.sh_ok(role, f"""
            ud=/var/lib/cloud/instance/user-data.txt
            test -s "$ud" || {{ echo "no $ud"; exit 3; }}
            echo "root_reads_user_data=$(grep -cF {pats} "$ud")"
            {nobody} cat "$ud" >/dev/null 2>&1 && echo "nobody_reads_user_data=yes"
            for f in $({nobody} find /var/lib/cloud /run/cloud-init -type f -readable 2>/dev/null)
            do {nobody} grep -qsF {pats} "$f" && echo "leak=$f"; done
            seed=$(blkid -o device -t LABEL=cidata; blkid -o device -t LABEL=config-2)
            [ -n "$seed" ] || {{ echo "no seed device"; exit 3; }}
            for d in $seed; do
              echo "seed=$d mode=$(stat -Lc %a "$d")"
              echo "root_reads_seed=$(grep -caF {pats} "$d")"
              {nobody} head -c 512 "$d" >/dev/null 2>&1 && echo "nobody_reads_seed=$d"
            done
            true
        """)  # fmt: skip
        facts = [ln for ln in out.splitlines() if "=" in ln]
        leaks = [ln for ln in facts if ln.startswith(("nobody_reads", "leak="))]
        if leaks:
            raise CheckFailed(f"readable by an unprivileged user: {'; '.join(leaks)}")
        if "root_reads_user_data=0" in facts or "root_reads_seed=0" in facts:
            raise CheckFailed(f"positive control failed (root found no secret): {facts}")
        seeds = [ln for ln in facts if ln.startswith("seed=")]
        return f"user-data.txt and {', '.join(seeds)} unreadable as nobody; root reads them"

    return Check(f"{role}: user data unreadable by unprivileged users (files, seed device)", run)


METADATA = "169.254.169.254"
STAND_IN_PORT = 8775  # any port: the rule is by address (80 may be taken by the server's role)


def metadata_root_only(client: str, server: str) -> Check:
    """Serve a stand-in metadata endpoint on ``server``'s private NIC (the node's segment):
    root on ``client`` fetches from it, an unprivileged user's packets are dropped by the
    node's nftables rule, whose counter grows."""

    def run(c: Cluster) -> str:
        marker = f"osbp-metadata-{secrets_token_hex(6)}"
        c.sh_ok(server, f"""
            ip addr add {METADATA}/32 dev eth1
            mkdir -p /run/osbp-md/openstack/latest
            echo {marker} > /run/osbp-md/openstack/latest/user_data
            setsid timeout 300 python3 -m http.server {STAND_IN_PORT} --bind {METADATA} \\
                --directory /run/osbp-md >/dev/null 2>&1 < /dev/null &
            echo $! > /run/osbp-md.pid
            for i in $(seq 30); do
              ss -Hltn 'sport = :{STAND_IN_PORT}' | grep -q {METADATA} && exit 0; sleep 1
            done
            exit 4
        """, timeout=90)  # fmt: skip
        url = f"http://{METADATA}:{STAND_IN_PORT}/openstack/latest/user_data"
        fetch = (
            "python3 -c 'import urllib.request; print(urllib.request.urlopen("
            f'"{url}", timeout=8).read().decode().strip())\''
        )
        counter = "nft list chain inet osbp_metadata output | grep -o 'packets [0-9]*' | head -1"
        try:
            out = c.sh_ok(client, f"""
                ip route replace {METADATA}/32 dev eth1
                echo "before=$({counter})"
                echo "root=$({fetch} 2>&1 | tail -1)"
                echo "nobody=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \\
                               {fetch} 2>&1 | tail -1)"
                echo "after=$({counter})"
                ip route del {METADATA}/32 dev eth1
            """, timeout=120)  # fmt: skip
        finally:
            c.sh(server, f"kill $(cat /run/osbp-md.pid); ip addr del {METADATA}/32 dev eth1; "
                         "rm -rf /run/osbp-md /run/osbp-md.pid")  # fmt: skip
        facts = dict(ln.split("=", 1) for ln in out.splitlines() if "=" in ln)
        if facts.get("root") != marker:
            raise CheckFailed(f"positive control: root could not fetch the stand-in: {facts}")
        if marker in facts.get("nobody", "") or "timed out" not in facts.get("nobody", ""):
            raise CheckFailed(f"an unprivileged user was not dropped: {facts}")
        before, after = (
            int((re.findall(r"\d+", facts.get(k, "")) or ["-1"])[-1]) for k in ("before", "after")
        )
        if before < 0 or after <= before:
            raise CheckFailed(f"the owner rule's counter did not grow: {facts}")
        return (f"root fetched the stand-in on {server}; nobody timed out; "
                f"rule counter {before} -> {after} packets")  # fmt: skip

    return Check(f"{client}: metadata address ({METADATA}) dropped for all but root", run)
