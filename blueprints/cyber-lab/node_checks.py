"""Node checks for the cyber-lab blueprint: the jump host, one attacker, two targets.

The harness puts every port on one segment and gives each server's first port a prefix
covering all subnets (its stand-in for a router), so from a lab VM the jump host's
management address IS routable there: what keeps a target inside the lab on this segment
is the node's own egress firewall, and the isolation check proves it both ways (blocked,
then reachable once that firewall is lifted, then blocked again). The harness's own NIC 0
(qemu user networking, 10.0.2.0/24, only for SSH port forwarding from the host) is not a
port of the program and is excluded explicitly from every isolation probe: it is the
interface that carries none of the node's port addresses.
"""

import ipaddress
import re

from tests.nodes.checks import Check, CheckFailed, Cluster
from tests.nodes.roles import BlueprintChecks, register
from tests.nodes.roles.common import base_checks

JUMP, ATTACKER = "jump", "attacker"
TARGETS = ("target-1", "target-2")
LAB_VMS = (ATTACKER, *TARGETS)
EXPOSED = {21, 22, 80}
"""targetServices defaults (ftp, http) and SSH: the ports every target must show open."""
CLOSED = {23, 443, 3306}
"""Telnet, HTTPS and MySQL: nothing of the lab's configuration listens there."""
PROXY_PORT = 3142


def lab_network(c: Cluster) -> ipaddress.IPv4Network:
    """The lab subnet: the jump host's second port is on it (with the subnet's own prefix)."""
    return c.deployment.node(JUMP).addresses[1].network


def lab_ip(c: Cluster, role: str) -> str:
    return str(c.deployment.node(role).addresses[0 if role != JUMP else 1].ip)


def outside_addresses(c: Cluster) -> list[str]:
    """Every address of the deployment's ports outside the lab subnet (NIC 0 is no port)."""
    lab = lab_network(c)
    found = [
        str(address.ip)
        for node in c.deployment.nodes
        for address in node.addresses
        if address.ip not in lab
    ]
    if not found:
        raise CheckFailed("no address outside the lab to probe (the jump host's management port)")
    return found


def tcp_open(c: Cluster, role: str, address: str, port: int) -> bool:
    probe = f"timeout 5 bash -c 'exec 3<>/dev/tcp/{address}/{port}' 2>/dev/null && echo open"
    return "open" in c.sh(role, probe, timeout=30).stdout


def attacker_reaches_the_services(c: Cluster) -> str:
    for target in TARGETS:
        address = lab_ip(c, target)
        page = c.sh_ok(ATTACKER, f"curl -fsS --max-time 10 http://{address}/")
        ftp = c.sh_ok(ATTACKER, f"curl -fsS --max-time 10 ftp://{address}/welcome.txt")
        for what, text in (("http", page), ("ftp", ftp)):
            if "cyber-lab target" not in text:
                raise CheckFailed(f"{what} on {target} answered {text[:80]!r}")
        if not tcp_open(c, ATTACKER, address, 22):
            raise CheckFailed(f"SSH of {target} closed to the attacker")
    return f"http, ftp (anonymous) and ssh of {', '.join(TARGETS)} answer the attacker"


def targets_expose_their_services_and_no_other(c: Cluster) -> str:
    """nmap from the attacker: the configured ports open; ports of services the lab does not
    configure closed (negative control). The harness boots one image carrying every role's
    packages, so other services of that image may listen too: only ports no service of the
    image opens to the network are required closed."""
    shown = []
    for target in TARGETS:
        out = c.sh_ok(
            ATTACKER, f"nmap -n -Pn -p 1-10000 --open -oG - {lab_ip(c, target)}", timeout=300
        )
        ports = {int(p) for p in re.findall(r"(\d+)/open/tcp", out)}
        if not ports >= EXPOSED:
            raise CheckFailed(f"{target}: open ports {sorted(ports)}, expected {sorted(EXPOSED)}")
        if ports & CLOSED:
            raise CheckFailed(f"{target}: {sorted(ports & CLOSED)} open, no service configured")
        shown.append(f"{target} {sorted(ports)}")
    return f"open: {'; '.join(shown)}; closed: {sorted(CLOSED)}"


def harness_nics(c: Cluster, role: str) -> list[str]:
    """The node's interfaces that carry none of its ports' addresses: the harness's NIC 0."""
    own = {str(address.ip) for address in c.deployment.node(role).addresses}
    nics = c.sh_ok(role, "ip -4 -o addr show scope global")
    found = {line.split()[1]: line.split()[3].split("/")[0] for line in nics.splitlines()}
    return sorted(nic for nic, address in found.items() if address not in own)


def probes(outside: list[str]) -> str:
    """A script printing ``reached <what>`` for each outside address that answers."""
    lines = []
    for address in outside:
        lines.append(
            f"command -v ping >/dev/null && ping -n -c 1 -W 2 {address} >/dev/null"
            f" && echo 'reached {address} ping'"
        )
        lines += [
            f"timeout 4 bash -c 'exec 3<>/dev/tcp/{address}/{port}' 2>/dev/null"
            f" && echo 'reached {address}:{port}'"
            for port in (22, PROXY_PORT)
        ]
    return "\n".join(f"{line} || true" for line in lines)


def a_target_reaches_nothing_beyond_the_lab(c: Cluster) -> str:
    target = TARGETS[0]
    outside = outside_addresses(c)
    excluded = harness_nics(c, target)
    routes = c.sh_ok(target, "; ".join(f"ip -4 route get {a}" for a in outside))
    if any(f"dev {nic} " in routes for nic in excluded):
        raise CheckFailed(f"a probe would leave by the harness NIC {excluded}: {routes}")
    # One session: probe, count, lift the node's egress firewall, probe again (the control:
    # the outside answers without it), set it again (also if anything fails), probe again.
    out = c.sh_ok(target, f"""
        count() {{ nft list table inet osbp_lab | grep -o 'packets [0-9]*' | tail -1; }}
        echo '== blocked'; {probes(outside)}
        echo "== counter $(count)"
        trap /usr/local/sbin/cyber-lab-egress EXIT
        nft delete table inet osbp_lab
        echo '== lifted'; {probes(outside)}
        /usr/local/sbin/cyber-lab-egress
        echo '== again'; {probes(outside)}
    """, timeout=240)  # fmt: skip
    phases = dict(re.findall(r"^== (\w+)(.*?)(?=^== |\Z)", out, re.M | re.S))
    reached = {name: re.findall(r"^reached (.+)$", text, re.M) for name, text in phases.items()}
    if set(phases) != {"blocked", "counter", "lifted", "again"}:
        raise CheckFailed(f"the probe script stopped early: {out[-300:]}")
    if reached["blocked"] or reached["again"]:
        raise CheckFailed(f"{target} reaches beyond the lab: {reached}")
    if not re.search(r"packets [1-9]", phases["counter"]):
        raise CheckFailed(f"the egress firewall's drop counter did not move: {phases['counter']}")
    if not reached["lifted"]:
        raise CheckFailed("control failed: without the firewall the outside still does not answer")
    if not tcp_open(c, target, lab_ip(c, JUMP), PROXY_PORT):
        raise CheckFailed(
            "the jump host's apt proxy on the lab is not reachable (positive control)"
        )
    return (
        f"{target} reaches none of {outside} (routable via the segment's covering prefix; "
        f"harness NIC {excluded} excluded); without its firewall it reaches {reached['lifted']}"
    )


def lab_vms_get_packages_only_through_the_jump_host(c: Cluster) -> str:
    proxy = f"http://{lab_ip(c, JUMP)}:{PROXY_PORT}"
    for role in LAB_VMS:
        conf = c.sh_ok(role, "apt-config dump | grep -i 'Acquire::http::Proxy '")
        if proxy not in conf:
            raise CheckFailed(f"{role}: apt proxy is {conf.strip()!r}, not {proxy}")
    listening = c.sh_ok(JUMP, f"ss -Htln 'sport = :{PROXY_PORT}' | awk '{{print $4}}' | sort")
    bound = set(listening.split())
    if bound != {f"{lab_ip(c, JUMP)}:{PROXY_PORT}", f"127.0.0.1:{PROXY_PORT}"}:
        raise CheckFailed(f"apt-cacher-ng listens on {sorted(bound)}, not the lab address only")
    # Only packages: a file that is not a package archive is refused by the proxy itself.
    status = c.sh_ok(
        TARGETS[0],
        f"curl -s -o /dev/null -w '%{{http_code}}' -x {proxy} http://deb.debian.org/index.html",
    )
    if status.strip() != "403":
        raise CheckFailed(f"the proxy answered {status!r} for a non-package URL, not 403")
    return f"apt of {', '.join(LAB_VMS)} goes through {proxy}; a non-package URL gets 403"


def jump_host_holds_the_lab_key_for_root_only(c: Cluster) -> str:
    facts = c.sh_ok(JUMP, """
        stat -c 'mode=%a owner=%U' /root/.ssh/lab_key
        setpriv --reuid=nobody --regid=nogroup --clear-groups cat /root/.ssh/lab_key \
          >/dev/null 2>&1 && echo nobody_reads=yes
        echo "public=$(ssh-keygen -y -f /root/.ssh/lab_key | cut -d' ' -f1,2)"
    """)  # fmt: skip
    if "mode=600 owner=root" not in facts or "nobody_reads" in facts:
        raise CheckFailed(f"the lab key is not root-only: {facts}")
    public = facts.split("public=", 1)[1].strip()
    for role in LAB_VMS:
        keys = c.sh_ok(role, "cat /home/debian/.ssh/authorized_keys")
        if public not in keys:
            raise CheckFailed(f"{role} does not carry the lab key's public half")
    return f"/root/.ssh/lab_key 0600 root, its public half on {', '.join(LAB_VMS)}"


def ansible_pings_the_lab(c: Cluster) -> str:
    out = c.sh(JUMP, "cd /root && ansible lab -m ping -o 2>&1", timeout=240).stdout
    answered = set(re.findall(r'^(\S+) \| SUCCESS .*"ping": ?"pong"', out, re.M))
    if answered != set(LAB_VMS):
        raise CheckFailed(f"ansible ping: {out[-400:]}")
    playbook = c.sh(JUMP, "cd /root && ansible-playbook /etc/ansible/site.yml 2>&1", timeout=300)
    recap = re.findall(
        r"^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", playbook.stdout, re.M
    )
    if (
        playbook.returncode != 0
        or len(recap) != 3
        or any(u != "0" or f != "0" for _, u, f in recap)
    ):
        raise CheckFailed(f"starter playbook: {playbook.stdout[-400:]}")
    return f"ansible -m ping: {sorted(answered)} pong; starter playbook ok on {len(recap)} hosts"


def ansible_with_another_key_is_refused(c: Cluster) -> str:
    out = c.sh(JUMP, """
        rm -f /root/other_key /root/other_key.pub
        ssh-keygen -q -t ed25519 -N '' -f /root/other_key
        cd /root
        # No SSH connection sharing: the earlier checks' persisted masters would be reused
        # (they were opened with the lab key) and the other key never tried.
        ANSIBLE_SSH_ARGS='-o ControlMaster=no -o ControlPath=none -o IdentitiesOnly=yes' \
          ansible lab -m ping -o -e ansible_ssh_private_key_file=/root/other_key 2>&1
        echo rc=$?
    """, timeout=240).stdout  # fmt: skip
    unreachable = re.findall(r"^(\S+) \| UNREACHABLE", out, re.M)
    if len(unreachable) != 3 or "SUCCESS" in out:
        raise CheckFailed(f"another key was not refused by every lab VM: {out[-400:]}")
    return f"another key: {sorted(unreachable)} UNREACHABLE (Permission denied)"


register(
    BlueprintChecks(
        name="cyber-lab",
        budget_seconds=900,
        checks=[
            *base_checks(JUMP),
            *base_checks(ATTACKER),
            *(check for target in TARGETS for check in base_checks(target)),
            Check(
                "jump: the lab key is root-only, its public half on every lab VM",
                jump_host_holds_the_lab_key_for_root_only,
            ),
            Check(
                "jump: ansible -m ping with the generated inventory and key, all pong",
                ansible_pings_the_lab,
            ),
            Check(
                "jump: ansible with another key is refused by every lab VM",
                ansible_with_another_key_is_refused,
            ),
            Check(
                "attacker: reaches the targets' http, ftp and ssh", attacker_reaches_the_services
            ),
            Check(
                "targets: the configured ports open, unconfigured ones closed",
                targets_expose_their_services_and_no_other,
            ),
            Check(
                "lab VMs: packages only through the jump host's apt proxy",
                lab_vms_get_packages_only_through_the_jump_host,
            ),
            Check(
                "target-1: nothing beyond the lab subnet answers (harness NIC 0 excluded)",
                a_target_reaches_nothing_beyond_the_lab,
            ),
        ],
    )
)
