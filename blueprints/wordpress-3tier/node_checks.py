"""Node checks for the wordpress-3tier blueprint: roles ``mysql`` (MariaDB) and ``wordpress``."""

import hashlib
import http.client
import ipaddress
import re
import shlex
import ssl
import urllib.parse
from secrets import token_hex

from tests.nodes.checks import Check, CheckFailed, Cluster
from tests.nodes.roles import BlueprintChecks, register
from tests.nodes.roles.common import (
    LOG_PROBLEM,
    base_checks,
    metadata_root_only,
    no_secret_in_clear,
    user_data_root_only,
)

DB, WEB = "mysql", "wordpress"
DEFINE = re.compile(r"""define\(\s*['"](DB_\w+)['"]\s*,\s*(['"])((?:\\.|(?!\2).)*)\2\s*\)""")
WP_INSTALL = re.compile(
    r"wp_install\(\s*'[^']*',\s*'(?P<user>[^']+)',\s*'[^']+',.*?wp_slash\('(?P<password>[^']+)'\)",
    re.S,
)
WP_HOME = re.compile(r"define\('WP_HOME', '([^']+)'\)")
WRONG_PASSWORD = "osbp-wrong-password"


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


def mysql_cmd(s: dict[str, str], password: str | None = None) -> str:
    """A mysql client call on the web node with the config's credentials (password via env)."""
    host, _, port = s["DB_HOST"].partition(":")
    return (
        f"MYSQL_PWD={shlex.quote(password or s['DB_PASSWORD'])} mysql --connect-timeout=15 "
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


def login_from_web(c: Cluster, password: str | None = None) -> str:
    """current_user() after logging in from the web node; CheckFailed with the client's error."""
    s = wp_db_settings(c)
    proc = c.sh(WEB, mysql_cmd(s, password), timeout=60)
    if proc.returncode != 0 or "@" not in proc.stdout:
        raise CheckFailed((proc.stderr or proc.stdout).strip()[-200:])
    return proc.stdout.strip()


def refused_from_web(c: Cluster, password: str) -> str:
    """The same login with another password must be refused as a bad password (1045)."""
    try:
        user = login_from_web(c, password)
    except CheckFailed as exc:
        if "ERROR 1045" not in str(exc):
            raise CheckFailed(f"unexpected error with a wrong password: {exc}") from exc
        return "ERROR 1045"
    raise CheckFailed(f"MariaDB let {user} in with a wrong password")


def web_logs_in_to_db(c: Cluster) -> str:
    s = wp_db_settings(c)
    try:
        user = login_from_web(c)
    except CheckFailed as exc:
        raise CheckFailed(
            f"login as {s['DB_USER']}@{s['DB_HOST']} from {s['file']}: {exc}"
        ) from exc
    refused = refused_from_web(c, WRONG_PASSWORD)
    return f"current_user()={user} (credentials from {s['file']}); wrong password: {refused}"


def site(c: Cluster) -> dict[str, str]:
    """Site URL and administrator as the web node's user data renders them."""
    user_data = c.deployment.node(WEB).user_data
    home, install = WP_HOME.search(user_data), WP_INSTALL.search(user_data)
    if not home or not install:
        raise CheckFailed("the web node's user data defines no WP_HOME or calls no wp_install()")
    generated = c.deployment.secrets.get("wordpress-admin-password")
    if generated is not None and install["password"] != generated:
        raise CheckFailed("the administrator's password is not the generated secret")
    return {
        "url": home[1],
        "host": urllib.parse.urlsplit(home[1]).netloc,
        "user": install["user"],
        "password": install["password"],
    }


def request(
    c: Cluster,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    tls: bool = False,
) -> tuple[int, dict[str, list[str]], str, bytes | None]:
    """One request through the forwarded port, with the Host header of the configured site URL
    (WordPress redirects any other host to it). Returns status, headers, body, peer cert."""
    port = c.host_port(WEB, 443 if tls else 80)
    host = site(c)["host"]
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # self-signed
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=180, context=context
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        cert = conn.sock.getpeercert(binary_form=True) if tls else None  # type: ignore[union-attr]
        resp = conn.getresponse()
        text = resp.read().decode(errors="replace")
        found: dict[str, list[str]] = {}
        for key, value in resp.getheaders():
            found.setdefault(key.lower(), []).append(value)
        return resp.status, found, text, cert
    finally:
        conn.close()


def installed_at_boot(c: Cluster) -> str:
    code, _, body, _ = request(c, "GET", "/wp-admin/install.php")
    c.save("wordpress-install.php.html", body)
    if code != 200 or "Already Installed" not in body:
        title = re.search(r"<title>([^<]*)</title>", body)
        raise CheckFailed(f"install.php: HTTP {code}, {title[1] if title else body[:120]!r}")
    code, headers, body, _ = request(c, "GET", "/")
    if code != 200 or "<html" not in body or "Error establishing" in body:
        raise CheckFailed(f"front page for {site(c)['url']}: HTTP {code} {headers.get('location')}")
    return f"install.php: Already Installed; {site(c)['url']}/ serves the site (HTTP 200)"


def admin_logs_in(c: Cluster) -> str:
    """The generated administrator logs in; the same login with a wrong password is refused."""
    s = site(c)

    def login(password: str) -> tuple[int, str, str]:
        form = urllib.parse.urlencode(
            {"log": s["user"], "pwd": password, "wp-submit": "Log In", "testcookie": "1"}
        )
        code, headers, body, _ = request(c, "POST", "/wp-login.php", form, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "wordpress_test_cookie=WP%20Cookie%20check",
        })  # fmt: skip
        return code, " ".join(headers.get("set-cookie", [])), body

    code, cookies, body = login(s["password"])
    if code != 302 or "wordpress_logged_in_" not in cookies:
        error = re.search(r'id="login_error"[^>]*>(.*?)</div>', body, re.S)
        raise CheckFailed(f"{s['user']}: HTTP {code}, {error[1].strip()[:150] if error else ''}")
    code, cookies, body = login(WRONG_PASSWORD)
    if code == 302 or "wordpress_logged_in_" in cookies or "login_error" not in body:
        raise CheckFailed(f"a wrong password was not refused (HTTP {code})")
    return f"{s['user']} logged in (302 + auth cookie); a wrong password: HTTP {code}, login_error"


def https_with_own_certificate(c: Cluster) -> str:
    code, _, body, cert = request(c, "GET", "/", tls=True)
    if code != 200 or "<html" not in body or cert is None:
        raise CheckFailed(f"https://{site(c)['host']}/: HTTP {code}")
    served = hashlib.sha256(cert).hexdigest()
    out = c.sh_ok(WEB, """
        pem=/etc/ssl/certs/wordpress.pem
        echo "file=$(openssl x509 -in $pem -outform DER | sha256sum | cut -d' ' -f1)"
        echo "made=$(stat -Lc %Y $pem)"; echo "boot=$(date -d "$(uptime -s)" +%s)"
        echo "subject=$(openssl x509 -in $pem -noout -subject)"
    """)  # fmt: skip
    f = dict(ln.split("=", 1) for ln in out.splitlines() if "=" in ln)
    if f["file"] != served:
        raise CheckFailed(f"443 serves {served[:16]}, not /etc/ssl/certs/wordpress.pem")
    if int(f["made"]) < int(f["boot"]):
        raise CheckFailed("the certificate predates this server's boot (made with the image)")
    return f"HTTP 200 over TLS; certificate made on the node at boot ({f['subject']})"


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


def missing_volume_stops_configuration(c: Cluster) -> str:
    """Without the data volume mounted, re-running the node's configuration fails at once and
    creates nothing on the root disk (no datadir, no MariaDB)."""
    out = c.sh(DB, """
        systemctl stop mariadb && umount /srv/mysql || exit 5
        /var/lib/cloud/instance/scripts/runcmd; echo "rc=$?"
        test -e /srv/mysql/data && echo "created=/srv/mysql/data"
        echo "mariadb=$(systemctl is-active mariadb)"
        mount /srv/mysql && systemctl start mariadb || echo "restore=failed"
    """, timeout=240)  # fmt: skip
    text = out.stdout + out.stderr
    facts = dict(ln.split("=", 1) for ln in text.splitlines() if re.match(r"^\w+=", ln))
    if out.returncode == 5:
        raise CheckFailed(f"could not unmount the volume: {text[-200:]}")
    if facts.get("rc") in (None, "0"):
        raise CheckFailed(f"the configuration ran on without its volume: {text[-200:]}")
    if "created" in facts or facts.get("mariadb") == "active" or "restore" in facts:
        raise CheckFailed(f"without the volume: {facts}")
    error = next((ln for ln in text.splitlines() if ln.startswith("error:")), "")
    return f"exit {facts['rc']}: {error[:150]}; nothing created on the root disk"


def replacement_applies_new_password(c: Cluster) -> str:
    """A `pulumi up` with a changed DB password replaces the DB server: the new server boots on
    the same volume with the new user data; the data is kept, the new password works and the
    old one no longer does."""
    old = c.deployment.secrets["db-password"]
    new = f"osbp-changed-{token_hex(12)}"
    user_data = c.deployment.node(DB).user_data
    if user_data.count(old) < 2:
        raise CheckFailed("the DB password is not in the DB node's user data")
    c.replace(DB, user_data.replace(old, new))
    status = c.sh(DB, "cloud-init status --long", timeout=60).stdout
    c.save("mysql-replacement-cloud-init-status.txt", status)
    if "status: done" not in status:
        raise CheckFailed(f"replacement: {status.strip()[-200:]}")
    log = c.sh_ok(DB, "cat /var/log/cloud-init.log", timeout=120)
    problems = [ln for ln in log.splitlines() if LOG_PROBLEM.search(ln)]
    if problems:
        raise CheckFailed(f"replacement's cloud-init.log: {' || '.join(problems[:3])}")
    site_url = c.sh_ok(DB, """mysql -Nse "select option_value from wordpress.wp_options
                                        where option_name='siteurl'" """).strip()  # fmt: skip
    if site_url != site(c)["url"]:
        raise CheckFailed(f"the replacement lost the site's data (siteurl={site_url!r})")
    data_disk_holds_datadir(c)
    user = login_from_web(c, new)
    refused = refused_from_web(c, old)
    return f"data kept (siteurl {site_url}); new password: {user}; old password: {refused}"


register(
    BlueprintChecks(
        name="wordpress-3tier",
        forwards={WEB: [80, 443]},
        budget_seconds=1200,
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
                "wordpress: logs in to MariaDB with its generated credentials, not with another",
                web_logs_in_to_db,
            ),
            Check("wordpress: site installed at boot, install.php closed", installed_at_boot),
            Check(
                "wordpress: the generated administrator logs in, a wrong password does not",
                admin_logs_in,
            ),
            Check(
                "wordpress: HTTPS on 443 with a certificate made on the node",
                https_with_own_certificate,
            ),
            Check(
                "mysql: refuses a client outside the frontend subnet", db_refuses_outside_frontend
            ),
            user_data_root_only(DB),
            user_data_root_only(WEB),
            metadata_root_only(WEB, DB),
            metadata_root_only(DB, WEB),
            no_secret_in_clear(DB),
            no_secret_in_clear(WEB),
            Check(
                "mysql: without its volume the configuration stops, nothing on the root disk",
                missing_volume_stops_configuration,
            ),
            Check(
                "mysql: a replacement with a changed DB password keeps the data, applies it",
                replacement_applies_new_password,
            ),
        ],
    )
)
