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
