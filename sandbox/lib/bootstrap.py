#!/usr/bin/python3
"""Create, idempotently, everything the sandbox cloud needs once Keystone is up.

One process instead of ~90 `openstack` CLI calls (each pays ~2 s of imports): identity
objects first (service users, roles, catalog, Heat's stack-user domain), then, as each API
comes up, the resources Pulumi programs expect (flavors, image, external network, volume
type), and finally a wait until compute, volume and orchestration services report 'up'.

Runs under Debian's /usr/bin/python3 with Debian's openstacksdk.  Environment:
  OS_CLIENT_CONFIG_FILE / OS_CLOUD   the admin cloud written by up.sh
  OSBP_SANDBOX_PASSWORD              password of every service user
  OSBP_SANDBOX_IDENTITY_MARKER       file touched when the identity part is done
  OSBP_SANDBOX_IMAGE_FILE            qcow2 file to upload as the default image
  OSBP_SANDBOX_IMAGE                 image name (default ubuntu-22.04)
  OSBP_SANDBOX_OPTIONAL              opt-in services enabled by up.sh (e.g. "swift")
  OSBP_SANDBOX_STARTED               epoch seconds when up.sh started (freshness of heartbeats)
"""

import datetime
import os
import sys
import time
import urllib.error
import urllib.request

import keystoneauth1.exceptions
import openstack
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3 as ks_v3

REGION = "RegionOne"
KEYSTONE = "http://127.0.0.1:5000/v3"
PASSWORD = os.environ["OSBP_SANDBOX_PASSWORD"]
IMAGE_NAME = os.environ.get("OSBP_SANDBOX_IMAGE", "ubuntu-22.04")

SERVICE_USERS = ["placement", "glance", "neutron", "nova", "cinder", "heat"]

# The non-admin project and its users (user -> role); up.sh writes their clouds.yaml entries.
DEMO_PROJECT = "osbp-demo"
PERSONAS = {"osbp-member": "member", "osbp-reader": "reader"}

# (service name, service type, base URL) for the catalog; identity comes from bootstrap.
CATALOG = [
    ("nova", "compute", "http://127.0.0.1:8774/v2.1"),
    ("placement", "placement", "http://127.0.0.1:8778"),
    ("glance", "image", "http://127.0.0.1:9292"),
    ("neutron", "network", "http://127.0.0.1:9696"),
    ("cinderv3", "volumev3", "http://127.0.0.1:8776/v3/%(project_id)s"),
    ("cinder", "block-storage", "http://127.0.0.1:8776/v3/%(project_id)s"),
    ("heat", "orchestration", "http://127.0.0.1:8004/v1/%(tenant_id)s"),
]

# The fake virt driver offers 8 vCPU / 8000 MB / 500 GB, overcommitted by nova.conf to
# 128 vCPU / 64000 MB / 2000 GB: keep RAM small so dozens of servers fit.
FLAVORS = [  # name, vcpus, ram MB, disk GB
    ("m1.tiny", 1, 256, 1),
    ("m1.small", 1, 512, 5),
    ("m1.medium", 2, 1024, 10),
    ("m1.large", 4, 2048, 20),
]

EXTERNAL_NET = "public"
EXTERNAL_SUBNET = {  # TEST-NET-3: documentation range, never routed (there is no data plane)
    "name": "public-subnet",
    "cidr": "203.0.113.0/24",
    "gateway_ip": "203.0.113.1",
    "allocation_pools": [{"start": "203.0.113.10", "end": "203.0.113.250"}],
}

OPTIONAL = os.environ.get("OSBP_SANDBOX_OPTIONAL", "").split()
if "swift" in OPTIONAL:
    SERVICE_USERS.append("swift")
    CATALOG.append(("swift", "object-store", "http://127.0.0.1:8080/v1/AUTH_%(project_id)s"))

if "octavia" in OPTIONAL:
    SERVICE_USERS.append("octavia")
    CATALOG.append(("octavia", "load-balancer", "http://127.0.0.1:9876"))

if "cloudkitty" in OPTIONAL:
    SERVICE_USERS.append("cloudkitty")
    CATALOG.append(("cloudkitty", "rating", "http://127.0.0.1:8889"))

API_ROOTS = {
    "load-balancer": "http://127.0.0.1:9876/",
    "rating": "http://127.0.0.1:8889/",
    "object-store": "http://127.0.0.1:8080/healthcheck",
    "image": "http://127.0.0.1:9292/",
    "network": "http://127.0.0.1:9696/",
    "compute": "http://127.0.0.1:8774/",
    "volume": "http://127.0.0.1:8776/",
    "orchestration": "http://127.0.0.1:8004/",
}

T0 = time.monotonic()
# A service counts as ready only once it has heartbeated after up.sh started: on a warm
# start the database still says 'up' for up to a minute on behalf of the previous run.
STARTED = datetime.datetime.fromtimestamp(
    float(os.environ.get("OSBP_SANDBOX_STARTED", "0")), tz=datetime.UTC
)


def say(msg):
    print(f"[bootstrap +{time.monotonic() - T0:5.1f}s] {msg}", flush=True)


def wait_for(what, check, timeout=300, interval=0.5):
    """Poll check() until it returns something truthy; exit the process on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (
            openstack.exceptions.SDKException,
            keystoneauth1.exceptions.ClientException,
            OSError,
        ):
            pass
        if time.monotonic() > deadline:
            sys.exit(f"bootstrap: timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def api_root_up(url):
    """An API answers its version document (200/300) or demands auth (401)."""
    try:
        with urllib.request.urlopen(url, timeout=3):
            return True
    except urllib.error.HTTPError as err:
        return err.code in (300, 401)
    except OSError:
        return False


def wait_api(kind):
    wait_for(f"{kind} API", lambda: api_root_up(API_ROOTS[kind]))
    say(f"{kind} API up")


# ---- identity ---------------------------------------------------------------------------


def password_works(user, domain="Default"):
    """Can USER get an (unscoped) token with PASSWORD?"""
    auth = ks_v3.Password(
        auth_url=KEYSTONE, username=user, password=PASSWORD, user_domain_name=domain
    )
    try:
        ks_session.Session(auth=auth).get_token()
        return True
    except keystoneauth1.exceptions.Unauthorized:
        return False


class Identity:
    """Keystone objects indexed by name, loaded with one list call per kind.

    sdk's find_* costs two GETs per lookup; on a busy machine the identity phase (which
    gates nova-compute's start) spends most of its time in such round trips.
    """

    def __init__(self, conn):
        self.api = conn.identity
        self.roles = {r.name: r for r in self.api.roles()}
        self.domains = {d.name.lower(): d for d in self.api.domains()}
        self.projects = {(p.domain_id, p.name): p for p in self.api.projects()}
        self.users = {(u.domain_id, u.name): u for u in self.api.users()}
        self.grants = set()
        for a in self.api.role_assignments():
            if a.user and a.scope:
                ((kind, target),) = a.scope.items()
                if kind in ("project", "domain"):
                    self.grants.add((a.user["id"], kind, target["id"], a.role["id"]))

    def role(self, name):
        if name not in self.roles:
            self.roles[name] = self.api.create_role(name=name)
        return self.roles[name]

    def domain(self, name, description=""):
        if name.lower() not in self.domains:
            self.domains[name.lower()] = self.api.create_domain(name=name, description=description)
        return self.domains[name.lower()]

    def project(self, domain, name):
        key = (domain.id, name)
        if key not in self.projects:
            self.projects[key] = self.api.create_project(name=name, domain_id=domain.id)
        return self.projects[key]

    def user(self, domain, name):
        """Create the user, or repair its password: a stale password is the classic cause
        of 'Identity server rejected authorization' in the service logs."""
        key = (domain.id, name)
        if key not in self.users:
            self.users[key] = self.api.create_user(
                name=name, password=PASSWORD, domain_id=domain.id
            )
        elif not password_works(name, domain.name):
            self.api.update_user(self.users[key], password=PASSWORD)
        return self.users[key]

    def grant(self, user, role, project=None, domain=None):
        kind, target = ("project", project) if project is not None else ("domain", domain)
        if (user.id, kind, target.id, role.id) in self.grants:
            return
        if project is not None:
            self.api.assign_project_role_to_user(project, user, role)
        else:
            self.api.assign_domain_role_to_user(domain, user, role)
        self.grants.add((user.id, kind, target.id, role.id))


def ensure_catalog(conn):
    """Public endpoints only: every client and service here falls back from 'internal' to
    'public', and each endpoint POST costs ~0.3 s on a busy machine."""
    services = {s.type: s for s in conn.identity.services()}
    endpoints = {(e.service_id, e.interface) for e in conn.identity.endpoints()}
    for name, stype, url in CATALOG:
        svc = services.get(stype) or conn.identity.create_service(name=name, type=stype)
        for interface in ("public",):
            if (svc.id, interface) not in endpoints:
                conn.identity.create_endpoint(
                    service_id=svc.id, interface=interface, url=url, region_id=REGION
                )


def ensure_identity(conn):
    ids = Identity(conn)
    default = ids.domain("Default")
    admin_project, service_project = ids.project(default, "admin"), ids.project(default, "service")
    admin_role, service_role = ids.role("admin"), ids.role("service")
    ids.role("member")
    for name in SERVICE_USERS:
        user = ids.user(default, name)
        ids.grant(user, admin_role, project=service_project)
        # keystonemiddleware (service_token_roles_required) wants 'service' on service tokens.
        ids.grant(user, service_role, project=service_project)
    ensure_catalog(conn)

    # Heat: a domain for the users it creates inside stacks, administered by heat_domain_admin.
    heat_domain = ids.domain("heat", "Heat stack users")
    ids.grant(ids.user(heat_domain, "heat_domain_admin"), admin_role, domain=heat_domain)
    ids.role("heat_stack_user")
    admin_user = ids.users[(default.id, "admin")]
    ids.grant(admin_user, ids.role("heat_stack_owner"), project=admin_project)

    # An ordinary project with one user per persona of the secure RBAC defaults: what a
    # team gets from its cloud operator, and what the acceptance runs deploy with.
    demo = ids.project(default, DEMO_PROJECT)
    for user, role in PERSONAS.items():
        ids.grant(ids.user(default, user), ids.role(role), project=demo)


# ---- resources --------------------------------------------------------------------------


def ensure_image(conn):
    image = conn.image.find_image(IMAGE_NAME)
    if image is not None and image.status == "active":
        return
    if image is not None:  # a half-uploaded leftover from an interrupted run
        conn.image.delete_image(image)
    conn.create_image(
        IMAGE_NAME,
        filename=os.environ["OSBP_SANDBOX_IMAGE_FILE"],
        disk_format="qcow2",
        container_format="bare",
        visibility="public",
        os_distro="ubuntu",
        os_version="22.04",
        wait=True,
        timeout=120,
    )
    say(f"image {IMAGE_NAME} uploaded")


def ensure_external_network(conn):
    net = conn.network.find_network(EXTERNAL_NET)
    if net is None:
        net = conn.network.create_network(
            name=EXTERNAL_NET,
            is_router_external=True,
            is_shared=False,
            provider_network_type="flat",
            provider_physical_network="public",
        )
    if conn.network.find_subnet(EXTERNAL_SUBNET["name"], network_id=net.id) is None:
        conn.network.create_subnet(
            network_id=net.id, ip_version=4, is_dhcp_enabled=False, **EXTERNAL_SUBNET
        )


def ensure_flavors(conn):
    existing = {f.name for f in conn.compute.flavors()}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in existing:
            conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)


def ensure_volume_type(conn):
    # cinder-manage db sync creates __DEFAULT__; recreate it if someone deleted it.
    if not any(t.name == "__DEFAULT__" for t in conn.block_storage.types()):
        conn.block_storage.create_type(name="__DEFAULT__", description="Default Volume Type")


# ---- service readiness ------------------------------------------------------------------


def fresh(service):
    """Heartbeat (updated_at, naive UTC) from this run rather than the previous one?"""
    stamp = (service.get("updated_at") or "")[:19]
    if not stamp:
        return False
    beat = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.UTC
    )
    return beat >= STARTED


def service_up(adapter, path, binary):
    """Nova/Cinder os-services: the BINARY service is enabled, 'up' and heartbeating."""
    resp = adapter.get(path)
    return resp.ok and any(
        s.get("binary") == binary
        and s.get("state") == "up"
        and s.get("status") == "enabled"
        and fresh(s)
        for s in resp.json().get("services", [])
    )


def scheduler_has_pools(adapter):
    """A warm start brings cinder-volume 'up' before its first capabilities report: until
    the scheduler has one, every volume create ends in 'No valid backend was found'."""
    resp = adapter.get("/scheduler-stats/get_pools")
    return resp.ok and bool(resp.json().get("pools"))


def heat_engine_up(conn):
    """Heat's service list reports liveness in 'status' ('up'/'down')."""
    resp = conn.orchestration.get("/services")
    return resp.ok and any(
        s.get("binary") == "heat-engine" and s.get("status") == "up" and fresh(s)
        for s in resp.json().get("services", [])
    )


def compute_ready(conn):
    """nova-compute is up and has published its inventory to Placement."""
    if not service_up(conn.compute, "/os-services", "nova-compute"):
        return False
    resp = conn.placement.get("/resource_providers")
    return resp.ok and len(resp.json().get("resource_providers", [])) > 0


def main():
    # Keystone may still be importing, and keystone-manage bootstrap may not have created
    # the admin user or the identity endpoint yet: retry, with a new connection each time
    # (a connection keeps its first token, and with it a possibly empty catalog).
    def admin_connection():
        conn = openstack.connect()
        return conn if conn.identity.find_domain("default") else None

    conn = wait_for("keystone admin login", admin_connection, timeout=120)
    ensure_identity(conn)
    say("identity ready")
    marker = os.environ.get("OSBP_SANDBOX_IDENTITY_MARKER")
    if marker:
        open(marker, "w").close()

    # Re-authenticate: the catalog in the first token predates the endpoints created above.
    conn = openstack.connect()
    wait_api("image")
    ensure_image(conn)
    wait_api("network")
    ensure_external_network(conn)
    wait_api("compute")
    ensure_flavors(conn)
    wait_api("volume")
    ensure_volume_type(conn)
    say("flavors, image, external network, volume type ready")

    wait_for("nova-compute", lambda: compute_ready(conn))
    say("nova-compute up")
    wait_for(
        "cinder-volume", lambda: service_up(conn.block_storage, "/os-services", "cinder-volume")
    )
    say("cinder-volume up")
    # 'up' is its heartbeat; volumes schedule only once the scheduler has its pool report
    wait_for("cinder-scheduler's pools", lambda: scheduler_has_pools(conn.block_storage))
    say("cinder-scheduler knows a backend pool")
    wait_api("orchestration")
    wait_for("heat-engine", lambda: heat_engine_up(conn))
    say("heat-engine up")
    if "swift" in OPTIONAL:
        wait_api("object-store")
    if "octavia" in OPTIONAL:
        wait_api("load-balancer")
    if "cloudkitty" in OPTIONAL:
        wait_api("rating")


if __name__ == "__main__":
    main()
