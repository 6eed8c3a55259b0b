"""Node checks for the wordpress-3tier blueprint: roles ``mysql`` (MariaDB) and ``wordpress``."""

import ipaddress
import re
import shlex
import urllib.error
import urllib.request

from tests.nodes.checks import Check, CheckFailed, Cluster
from tests.nodes.roles import BlueprintChecks, register
from tests.nodes.roles.common import base_checks, no_secret_in_clear
from tests.nodes.spec import Deployment

DB, WEB = "mysql", "wordpress"
DEFINE = re.compile(r"""define\(\s*['"](DB_\w+)['"]\s*,\s*(['"])((?:\\.|(?!\2).)*)\2\s*\)""")
INSTALLER_PATHS = ["/wp-admin/install.php", "/wordpress/wp-admin/install.php"]


def wp_db_settings(c: Cluster) -> dict[str, str]:
    """DB_NAME/USER/PASSWORD/HOST as the web node's generated WordPress config defines them."""
    if "wp" not in c.memo:
        files = c.sh(
            WEB, "grep -rlsE \"define\\(\\s*.DB_PASSWORD\" /etc/wordpress /var/www /srv /opt",
            timeout=60,
        ).stdout.split()  # fmt: skip
        if not files:
            raise CheckFailed("no PHP file defining DB_PASSWORD on the web node")
        text = c.sh_ok(WEB, f"cat {shlex.quote(files[0])}")
        settings = {m[0]: re.sub(r"\\(.)", r"\1", m[2]) for m in DEFINE.findall(text)}
        missing = {"DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST"} - settings.keys()
        if missing:
            raise CheckFailed(f"{files[0]} lacks {sorted(missing)}")
        settings["file"] = files[0]
        c.memo["wp"] = settings
    return dict(c.memo["wp"])


def mysql_cmd(s: dict[str, str]) -> str:
    """A mysql client call on the web node with the config's credentials (password via env)."""
    host, _, port = s["DB_HOST"].partition(":")
    return (
        f"MYSQL_PWD={shlex.quote(s['DB_PASSWORD'])} mysql --connect-timeout=15 "
        f"-h {shlex.quote(host)} -P {port or 3306} -u {shlex.quote(s['DB_USER'])} "
        f"-Nse 'select current_user()' {shlex.quote(s['DB_NAME'])}"
    )


def data_disk_holds_datadir(c: Cluster) -> str:
    node = c.deployment.node(DB)
    if not node.disks:
        raise CheckFailed("the program attaches no volume to the mysql instance")
    by_id = f"/dev/disk/by-id/virtio-{node.disks[0].serial}"
    out = c.sh_ok(DB, f"""
        disk=$(readlink -f {by_id}) || exit 3
        datadir=$(mysql -Nse 'select @@datadir') || exit 4
        src=$(findmnt -no SOURCE -T "$datadir"); target=$(findmnt -no TARGET -T "$datadir")
        echo "disk=$disk"; echo "datadir=$datadir"; echo "src=$src"; echo "target=$target"
        echo "fstype=$(findmnt -no FSTYPE -T "$datadir")"
        echo "parent=/dev/$(lsblk -no PKNAME "$src")"
        echo "fstab=$(findmnt --fstab -no TARGET "$target")"
        lsblk -o NAME,SIZE,FSTYPE,LABEL,MOUNTPOINT "$disk" >&2
    """)  # fmt: skip
    f = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if f["parent"] != f["disk"]:
        raise CheckFailed(
            f"datadir {f['datadir']} is on {f['src']}, not on a partition of the data disk "
            f"{by_id} ({f['disk']})"
        )
    if not f["fstab"]:
        raise CheckFailed(f"{f['target']} is mounted but not in /etc/fstab (lost on reboot)")
    return f"datadir {f['datadir']} on {f['src']} ({f['fstype']}, {by_id}) at {f['target']}"


def mariadb_private_only(c: Cluster) -> str:
    ip = str(c.deployment.node(DB).address.ip)
    out = c.sh_ok(DB, "ss -Hltn 'sport = :3306' | awk '{print $4}'")
    listening = sorted(set(out.split()))
    if listening != [f"{ip}:3306"]:
        raise CheckFailed(f"MariaDB listens on {listening or 'nothing'}, expected only {ip}:3306")
    return f"listens on {ip}:3306 only"


def _host_matches(pattern: str, ip: str) -> bool:
    if "/" in pattern:  # MariaDB's 'addr/netmask' form
        return ipaddress.ip_address(ip) in ipaddress.ip_network(pattern, strict=False)
    rx = re.escape(pattern).replace("%", ".*").replace("_", ".")
    return re.fullmatch(rx, ip) is not None


def db_user_exists(c: Cluster) -> str:
    s = wp_db_settings(c)
    web_ip = str(c.deployment.node(WEB).address.ip)
    out = c.sh_ok(DB, f"mysql -Nse \"select host from mysql.user where user='{s['DB_USER']}'\"")
    hosts = out.split()
    if not hosts:
        raise CheckFailed(f"no MariaDB account named {s['DB_USER']!r}")
    if not any(_host_matches(h, web_ip) for h in hosts):
        raise CheckFailed(f"{s['DB_USER']}@{hosts} does not admit the web node {web_ip}")
    return f"{s['DB_USER']}@{','.join(hosts)}"


def web_logs_in_to_db(c: Cluster) -> str:
    s = wp_db_settings(c)
    proc = c.sh(WEB, mysql_cmd(s), timeout=60)
    if proc.returncode != 0 or "@" not in proc.stdout:
        raise CheckFailed(
            f"login as {s['DB_USER']}@{s['DB_HOST']} from {s['file']} failed: "
            f"{(proc.stderr or proc.stdout).strip()[-200:]}"
        )
    return f"current_user()={proc.stdout.strip()} (credentials from {s['file']})"


def installer_served(c: Cluster) -> str:
    port = c.host_port(WEB, 80)
    seen = []
    for path in INSTALLER_PATHS:
        url = f"http://127.0.0.1:{port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=180) as resp:
                code, body = resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            code, body = exc.code, exc.read().decode(errors="replace")
        except OSError as exc:
            code, body = 0, str(exc)
        c.save(f"wordpress-{path.strip('/').replace('/', '_')}.html", body)
        title = re.search(r"<title>([^<]*)</title>", body)
        seen.append(f"{path} -> {code} {title[1] if title else body[:80]!r}")
        if code == 200 and ('id="setup"' in body or "Installation" in body):
            return f"{path}: HTTP 200, {title[1] if title else 'installer form'}"
    raise CheckFailed("; ".join(seen))


def db_refuses_outside_frontend(c: Cluster) -> str:
    """Connect from an address outside the frontend subnet (added to the web VM's private NIC)."""
    s = wp_db_settings(c)
    web = c.deployment.node(WEB)
    segment = c.deployment.segment_network()
    used = {n.address.ip for n in c.deployment.nodes}
    probe = next(
        ip for ip in reversed(list(segment.hosts()))
        if ip not in web.address.network and ip not in used
    )  # fmt: skip
    db_ip = c.deployment.node(DB).address.ip
    # the mysql client cannot pick its source address: a host route with ``src`` does it
    proc = c.sh(WEB, f"""
        ip addr add {probe}/{segment.prefixlen} dev eth1 || exit 5
        ip route add {db_ip}/32 dev eth1 src {probe} || exit 5
        {mysql_cmd(s)}; rc=$?
        ip route del {db_ip}/32 dev eth1 src {probe}
        ip addr del {probe}/{segment.prefixlen} dev eth1
        exit $rc
    """, timeout=90)  # fmt: skip
    err = (proc.stderr or proc.stdout).strip()
    if proc.returncode == 5:
        raise CheckFailed(f"could not add probe address {probe}: {err}")
    if proc.returncode == 0:
        raise CheckFailed(f"{s['DB_USER']} logged in from {probe} (outside {web.address.network})")
    if not re.search(r"ERROR (1130|1045|2002|2003|2013)", err):
        raise CheckFailed(f"unexpected client error from {probe}: {err[-200:]}")
    return f"from {probe}: {err.splitlines()[-1][:200]}"


def wrong_db_password_on_web(d: Deployment) -> str:
    """Negative control: the web node renders another DB password than the DB node (as a
    generator bug wiring the wrong value into one template would). Only the rendered value of
    DB_PASSWORD in the web node's user data changes."""
    web = d.node(WEB)
    match = next((m for m in DEFINE.finditer(web.user_data) if m[1] == "DB_PASSWORD"), None)
    if not match:
        raise RuntimeError("no define('DB_PASSWORD', ...) in the web node's user data")
    right = match[0]
    wrong = right.replace(match[3], "osbp-negative-wrong-password")
    web.user_data = web.user_data.replace(right, wrong)
    return f"web node renders {wrong} instead of the generated DB password"


register(
    BlueprintChecks(
        name="wordpress-3tier",
        forwards={WEB: [80]},
        checks=[
            *base_checks(DB),
            *base_checks(WEB),
            Check(
                "mysql: data disk partitioned, formatted, mounted, holds the datadir",
                data_disk_holds_datadir,
            ),
            Check("mysql: MariaDB bound to its private address only", mariadb_private_only),
            Check("mysql: WordPress DB user exists for the web node", db_user_exists),
            Check(
                "wordpress: logs in to MariaDB with its generated credentials", web_logs_in_to_db
            ),
            Check(
                "wordpress: install.php serves the WordPress installer (HTTP 200)", installer_served
            ),
            Check(
                "mysql: refuses a client outside the frontend subnet", db_refuses_outside_frontend
            ),
            no_secret_in_clear(DB),
            no_secret_in_clear(WEB),
        ],
        break_config=wrong_db_password_on_web,
        expected_failures=[
            "wordpress: logs in to MariaDB with its generated credentials",
            "wordpress: install.php serves the WordPress installer (HTTP 200)",
        ],
    )
)
