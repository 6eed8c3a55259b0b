"""The usage dashboard against a fake cloud: logins, isolation, usage, cost, operator view."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fake_openstack import FakeOpenStack
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from dashboard import __main__ as dashboard_main
from dashboard.app import PeriodError, create_app, parse_period
from dashboard.cloud import (
    AuthenticationError,
    CloudError,
    OpenStackCloud,
    OpenStackProjectView,
    Project,
    Quota,
    Quotas,
    ServerUsage,
    TenantLogin,
    TokenExpiredError,
    Usage,
    Volume,
    nova_time,
    parse_usage,
    quote_body,
    select_tenants,
)
from dashboard.config import ConfigError, load_config
from dashboard.cost import (
    Consumption,
    Prices,
    Resources,
    Source,
    choose_cost,
    storage_gb_hours,
)

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # openstacksdk's own

NOW = datetime(2024, 3, 15, 12, 0, 0, tzinfo=UTC)
MONTH_HOURS = 14 * 24 + 12  # 2024-03-01T00:00Z to NOW
OPERATOR_PASSWORD = "operator-pass-1"
PRICES = '{"cpu": 0.02, "ram": 0.001, "storage": 0.0005}'


# ---------------------------------------------------------------- the fake cloud


class FakeView:
    def __init__(self, cloud: FakeCloud, project_id: str, how: str) -> None:
        self.cloud = cloud
        self._project_id = project_id
        self.how = how

    @property
    def project_id(self) -> str:
        return self._project_id

    def _record(self, what: str) -> None:
        self.cloud.calls.append((self.how, what, self._project_id))
        failure = self.cloud.failures.get((what, self._project_id))
        if failure is not None:
            raise failure

    def usage(self, start: datetime, end: datetime) -> Usage:
        self._record("usage")
        self.cloud.periods.append((start, end))
        return self.cloud.usages[self._project_id]

    def quotas(self) -> Quotas:
        self._record("quotas")
        return self.cloud.quotas[self._project_id]

    def volumes(self) -> list[Volume]:
        self._record("volumes")
        return list(self.cloud.volumes[self._project_id])

    def quote(self, resources: Resources) -> float | None:
        self._record("quote")
        self.cloud.quoted.append((self._project_id, resources))
        return self.cloud.quotes.get(self._project_id)


class FakeCloud:
    """Two tenants, acme and globex; records the project id of every call."""

    def __init__(self) -> None:
        self.accounts = {
            ("alice", "alice-secret-pw", "acme"): login("p-acme", "acme", "alice"),
            ("bob", "bob-secret-pw", "globex"): login("p-globex", "globex", "bob"),
        }
        self.tokens = {"tok-p-acme": "p-acme", "tok-p-globex": "p-globex"}
        self.projects = [
            Project("p-globex", "globex", ("osbp-tenant",)),
            Project("p-acme", "acme", ("osbp-tenant",)),
        ]
        self.usages = {
            "p-acme": Usage(
                start=NOW,
                end=NOW,
                vcpu_hours=12.5,
                ram_mb_hours=25600.0,
                disk_gb_hours=100.0,
                server_hours=9.25,
                servers=(
                    ServerUsage("acme-app-1", "active", 2, 4096, 6.25, ended=False),
                    ServerUsage("acme-old", "terminated", 1, 2048, 3.0, ended=True),
                ),
            ),
            "p-globex": Usage(
                start=NOW,
                end=NOW,
                vcpu_hours=99.75,
                ram_mb_hours=204800.0,
                disk_gb_hours=0.0,
                server_hours=49.875,
                servers=(ServerUsage("globex-app-1", "active", 4, 8192, 49.875, ended=False),),
            ),
        }
        self.quotas = {
            "p-acme": Quotas(
                items=(
                    Quota("compute", "vCPUs", 2, 4),
                    Quota("compute", "RAM (MB)", 4096, 8192),
                    Quota("volume", "volume GB", 8, 20),
                    Quota("network", "floating IPs", 1, -1),
                )
            ),
            "p-globex": Quotas(items=(Quota("compute", "vCPUs", 4, 12),)),
        }
        self.volumes = {
            "p-acme": [
                Volume("v1", "acme-data-1", 5, "in-use", datetime(2024, 1, 1, tzinfo=UTC)),
                Volume("v2", "acme-data-2", 3, "available", None),
            ],
            "p-globex": [Volume("v3", "globex-data-1", 10, "in-use", None)],
        }
        self.quotes: dict[str, float | None] = {"p-acme": 1.2345, "p-globex": 6.5}
        self.failures: dict[tuple[str, str], Exception] = {}
        self.calls: list[tuple[str, str, str]] = []  # (tenant|operator, what, project id)
        self.quoted: list[tuple[str, Resources]] = []
        self.periods: list[tuple[datetime, datetime]] = []
        self.logins: list[tuple[str, str, str]] = []

    def login(self, username: str, password: str, project_name: str, domain: str) -> TenantLogin:
        self.logins.append((username, project_name, domain))
        granted = self.accounts.get((username, password, project_name))
        if granted is None:
            raise AuthenticationError("wrong user name, password or project")
        return granted

    def tenant_view(self, token: str, project_id: str) -> FakeView:
        self.calls.append(("tenant", "view", project_id))
        failure = self.failures.get(("view", project_id))
        if failure is not None:
            raise failure
        if self.tokens.get(token) != project_id:
            raise TokenExpiredError("Keystone: Keystone no longer accepts the token")
        return FakeView(self, project_id, "tenant")

    def operator_projects(self, tag: str) -> list[Project]:
        self.calls.append(("operator", "projects", tag))
        return select_tenants(self.projects, tag, exclude=None)

    def operator_view(self, project_id: str) -> FakeView:
        self.calls.append(("operator", "view", project_id))
        failure = self.failures.get(("operator_view", project_id))
        if failure is not None:
            raise failure
        return FakeView(self, project_id, "operator")


def login(project_id: str, project_name: str, user: str) -> TenantLogin:
    return TenantLogin(
        token=f"tok-{project_id}",
        project_id=project_id,
        project_name=project_name,
        user_id=f"u-{user}",
        username=user,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )


# ---------------------------------------------------------------- fixtures and helpers


def make_app(cloud: FakeCloud, **env: str) -> Flask:
    settings = {
        "DASHBOARD_SECRET_KEY": "test-secret-key-0123456789",
        "DASHBOARD_COOKIE_SECURE": "0",
        "DASHBOARD_PRICES": PRICES,
        "DASHBOARD_OPERATOR_PASSWORD_HASH": generate_password_hash(
            OPERATOR_PASSWORD, method="pbkdf2:sha256:1000"
        ),
        **env,
    }
    settings = {key: value for key, value in settings.items() if value}
    app = create_app(load_config(settings), cloud, clock=lambda: NOW)
    app.testing = True
    return app


@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def app(cloud: FakeCloud) -> Flask:
    return make_app(cloud)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def log_in(
    client: FlaskClient,
    username: str = "alice",
    password: str = "alice-secret-pw",
    project: str = "acme",
) -> Any:
    form = {"username": username, "password": password, "project": project}
    return client.post("/login", data={**form, "csrf_token": csrf(client)})


def operator_log_in(client: FlaskClient, password: str = OPERATOR_PASSWORD) -> Any:
    token = csrf(client, "/operator/login")
    return client.post("/operator/login", data={"password": password, "csrf_token": token})


def session_of(app: Flask, client: FlaskClient) -> dict[str, Any]:
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data: dict[str, Any] = serializer.loads(cookie.value)
    return data


def cells(page: str, css_class: str) -> list[list[str]]:
    """The rows of the table of that class, as lists of cell texts."""
    match = re.search(rf'<table class="{css_class}">(.*?)</table>', page, re.S)
    assert match, f"no table {css_class}"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in rows
    ]


# ---------------------------------------------------------------- nova_time and the real view


def test_nova_time_drops_the_offset() -> None:
    assert nova_time(datetime(2024, 3, 1, tzinfo=UTC)) == "2024-03-01T00:00:00"
    paris = timezone(timedelta(hours=2))
    assert nova_time(datetime(2024, 3, 1, 2, 30, 15, 123456, tzinfo=paris)) == (
        "2024-03-01T00:30:15"
    )
    assert nova_time(datetime(2024, 3, 1, 8, 5, 9)) == "2024-03-01T08:05:09"
    assert "+" not in nova_time(NOW) and nova_time(NOW) == "2024-03-15T12:00:00"


class StubResponse:
    def __init__(self, body: object, status: int = 200) -> None:
        self.body = body
        self.status_code = status
        self.headers: dict[str, str] = {}

    def json(self) -> object:
        return self.body


class StubProxy:
    def __init__(self, bodies: dict[str, object]) -> None:
        self.bodies = bodies
        self.urls: list[str] = []
        self.posted: list[tuple[str, object]] = []

    def get(self, url: str, **_: object) -> StubResponse:
        self.urls.append(url)
        path = url.split("?")[0]
        return StubResponse(self.bodies[path])

    def post(self, url: str, json: object = None, **_: object) -> StubResponse:
        self.posted.append((url, json))
        return StubResponse(self.bodies[url])


class StubConnection:
    def __init__(self, rating_url: str | None = "http://rating:8889") -> None:
        self.compute = StubProxy(
            {
                "/os-simple-tenant-usage/p-acme": {
                    "tenant_usage": {
                        "tenant_id": "p-acme",
                        "total_vcpus_usage": 48.0,
                        "total_memory_mb_usage": 98304.0,
                        "total_local_gb_usage": 480.0,
                        "total_hours": 24.0,
                        "server_usages": [
                            {
                                "name": "a",
                                "vcpus": 2,
                                "memory_mb": 4096,
                                "hours": 24.0,
                                "state": "active",
                                "ended_at": None,
                            },
                        ],
                    }
                },
                "/os-quota-sets/p-acme/detail": {
                    "quota_set": {
                        "cores": {"in_use": 2, "limit": 4, "reserved": 0},
                        "ram": {"in_use": 4096, "limit": 8192, "reserved": 0},
                        "instances": {"in_use": 1, "limit": 2, "reserved": 0},
                    }
                },
            }
        )
        self.block_storage = StubProxy(
            {
                "/os-quota-sets/p-acme": {
                    "quota_set": {
                        "gigabytes": {"in_use": 5, "limit": 20},
                        "volumes": {"in_use": 1, "limit": 2},
                    }
                },
                "/volumes/detail": {
                    "volumes": [
                        {
                            "id": "v1",
                            "name": "data",
                            "size": 5,
                            "status": "in-use",
                            "created_at": "2024-03-01T10:00:00.000000",
                        }
                    ]
                },
            }
        )
        self.network = StubProxy(
            {
                "/quotas/p-acme/details": {
                    "quota": {
                        "port": {"used": 3, "limit": 50},
                        "floatingip": {"used": 1, "limit": -1},
                    }
                }
            }
        )
        self.rating = StubProxy({"http://rating:8889/v1/rating/quote": 0.42})
        self.rating_url = rating_url

    def endpoint_for(self, service_type: str) -> str | None:
        assert service_type == "rating"
        return self.rating_url


def test_real_view_asks_nova_with_naive_utc_times() -> None:
    conn = StubConnection()
    view = OpenStackProjectView(conn, "p-acme")  # type: ignore[arg-type]
    start = datetime(2024, 3, 1, tzinfo=UTC)
    end = datetime(2024, 3, 2, 1, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    usage = view.usage(start, end)
    (url,) = conn.compute.urls
    assert url == (
        "/os-simple-tenant-usage/p-acme?start=2024-03-01T00%3A00%3A00&end=2024-03-02T00%3A00%3A00"
    )
    assert "%2B" not in url and "+" not in url
    assert (usage.vcpu_hours, usage.ram_mb_hours, usage.vcpus_in_use) == (48.0, 98304.0, 2)


def test_real_view_reads_quotas_volumes_and_quote() -> None:
    conn = StubConnection()
    view = OpenStackProjectView(conn, "p-acme")  # type: ignore[arg-type]
    quotas = view.quotas()
    assert quotas.problems == ()
    assert [(q.service, q.resource, q.used, q.limit) for q in quotas.items] == [
        ("compute", "vCPUs", 2, 4),
        ("compute", "RAM (MB)", 4096, 8192),
        ("compute", "instances", 1, 2),
        ("volume", "volume GB", 5, 20),
        ("volume", "volumes", 1, 2),
        ("network", "ports", 3, 50),
        ("network", "floating IPs", 1, -1),
    ]
    (volume,) = view.volumes()
    assert (volume.name, volume.size_gb, volume.status) == ("data", 5, "in-use")
    assert volume.created_at == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert view.quote(Resources(cpu=2, ram_mb=4096, storage_gb=5)) == 0.42
    assert conn.rating.posted == [
        (
            "http://rating:8889/v1/rating/quote",
            {
                "resources": [
                    {"service": "cpu", "desc": {}, "volume": "2"},
                    {"service": "ram", "desc": {}, "volume": "4096"},
                    {"service": "storage", "desc": {}, "volume": "5"},
                ]
            },
        )
    ]


def test_real_view_quote_is_none_without_rating_in_the_catalog() -> None:
    conn = StubConnection(rating_url=None)
    view = OpenStackProjectView(conn, "p-acme")  # type: ignore[arg-type]
    assert view.quote(Resources(1, 1, 1)) is None
    assert conn.rating.posted == []


def test_real_view_turns_an_http_error_into_one_line() -> None:
    conn = StubConnection()
    conn.rating.bodies["http://rating:8889/v1/rating/quote"] = {"faultstring": "boom"}
    conn.rating.post = lambda url, json=None, **_: StubResponse(  # type: ignore[method-assign]
        {"error": "internal\nerror"}, status=503
    )
    view = OpenStackProjectView(conn, "p-acme")  # type: ignore[arg-type]
    with pytest.raises(CloudError) as caught:
        view.quote(Resources(1, 1, 1))
    assert str(caught.value).startswith("CloudKitty quote:")
    assert "\n" not in str(caught.value)


def test_the_quote_goes_to_the_catalog_url_whatever_version_discovery_made_of_it() -> None:
    from dashboard.cloud import rating_root

    for endpoint in (
        "http://rk:8889",
        "http://rk:8889/",
        "http://rk:8889/v1",
        "http://rk:8889/v1/",
    ):
        assert rating_root(endpoint) == "http://rk:8889"
    assert rating_root("https://cloud.example/rating") == "https://cloud.example/rating"


def test_parse_usage_of_a_project_without_servers() -> None:
    usage = parse_usage({"tenant_usage": {}}, NOW, NOW)
    assert (usage.vcpu_hours, usage.servers, usage.vcpus_in_use) == (0.0, (), 0)


def test_quote_body_carries_the_current_resources_as_strings() -> None:
    assert quote_body(Resources(cpu=3, ram_mb=2048, storage_gb=40)) == {
        "resources": [
            {"service": "cpu", "desc": {}, "volume": "3"},
            {"service": "ram", "desc": {}, "volume": "2048"},
            {"service": "storage", "desc": {}, "volume": "40"},
        ]
    }


def test_select_tenants_prefers_tagged_projects() -> None:
    projects = [
        Project("p1", "ops", ()),
        Project("p2", "acme", ("osbp-tenant",)),
        Project("p3", "globex", ("osbp-tenant", "x")),
    ]
    assert [p.id for p in select_tenants(projects, "osbp-tenant", exclude="p1")] == ["p2", "p3"]
    untagged = [Project("p1", "ops"), Project("p2", "beta"), Project("p3", "alpha")]
    assert [p.id for p in select_tenants(untagged, "osbp-tenant", exclude="p1")] == ["p3", "p2"]
    assert [p.id for p in select_tenants(untagged, "osbp-tenant", exclude=None)] == [
        "p3",
        "p2",
        "p1",
    ]


# ---------------------------------------------------------------- openstacksdk over HTTP


@pytest.fixture
def openstack_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[str, list[Any]]]:
    for name in ("OS_CLOUD", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "clouds.yaml"))
    seen: list[Any] = []
    handler = type("Handler", (FakeOpenStack,), {"seen": seen, "tokens": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v3"
    (tmp_path / "clouds.yaml").write_text(
        "clouds:\n"
        "  operator-reader:\n"
        "    auth:\n"
        f"      auth_url: {url}\n"
        "      username: dashboard-reader\n"
        "      password: reader-pw\n"
        "      project_id: p-ops\n"
        "      user_domain_name: Default\n"
        "    region_name: RegionOne\n"
        "    interface: public\n"
        "    identity_api_version: 3\n"
    )
    yield url, seen
    server.shutdown()
    server.server_close()


def test_openstacksdk_login_usage_and_quote_on_the_wire(
    openstack_url: tuple[str, list[Any]],
) -> None:
    url, seen = openstack_url
    cloud = OpenStackCloud(load_config({"OS_AUTH_URL": url, "OS_REGION_NAME": "RegionOne"}))
    with pytest.raises(AuthenticationError, match="wrong user name, password or project"):
        cloud.login("alice", "wrong-pw", "acme", "Default")
    granted = cloud.login("alice", "right-pw", "acme", "Default")
    token = "tok-alice-p-acme"
    assert (granted.token, granted.project_id, granted.username) == (token, "p-acme", "alice")
    assert granted.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    scopes = [body["auth"]["scope"] for method, path, _, body in seen if path == "/v3/auth/tokens"]
    assert scopes[-1] == {"project": {"name": "acme", "domain": {"name": "Default"}}}

    view = cloud.tenant_view(granted.token, granted.project_id)
    usage = view.usage(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC))
    assert (usage.vcpu_hours, usage.ram_mb_hours, usage.vcpus_in_use) == (7.5, 7680.0, 2)
    (nova,) = [path for _, path, _, _ in seen if "tenant-usage" in path]
    assert nova.endswith("?start=2024-03-01T00%3A00%3A00&end=2024-03-02T00%3A00%3A00")
    rescope = [body for method, path, _, body in seen if path == "/v3/auth/tokens"][-1]
    assert rescope["auth"]["identity"] == {"methods": ["token"], "token": {"id": token}}
    assert rescope["auth"]["scope"] == {"project": {"id": "p-acme"}}

    assert view.quote(Resources(cpu=2, ram_mb=2048, storage_gb=0)) == 0.75
    (quote,) = [entry for entry in seen if entry[1] == "/rating/v1/rating/quote"]
    assert quote[2] == token
    assert quote[3]["resources"][0] == {"service": "cpu", "desc": {}, "volume": "2"}
    posted_passwords = [b for m, p, _, b in seen if m == "POST" and "right-pw" in json.dumps(b)]
    assert len(posted_passwords) == 1  # only the login itself carries the password


def test_the_app_on_openstacksdk_shows_usage_and_missing_services(
    openstack_url: tuple[str, list[Any]],
) -> None:
    url, _ = openstack_url
    env = {"OS_AUTH_URL": url, "OS_REGION_NAME": "RegionOne", "DASHBOARD_COOKIE_SECURE": "0"}
    app = create_app(load_config(env), clock=lambda: NOW)
    client = app.test_client()
    assert log_in(client, "alice", "wrong-pw", "acme").status_code == 401
    assert log_in(client, "alice", "right-pw", "acme").status_code == 302
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert cells(page, "usage")[1][1:3] == ["7.50", "7,680.00"]
    assert cells(page, "quotas")[1:] == [["compute", "vCPUs", "2", "6"]]  # no Cinder, Neutron
    assert "No volume." in page
    (_, cost) = cells(page, "cost")
    assert cost[0] == "cloudkitty" and cost[2:4] == [
        "2 vCPUs, 2048 MB RAM, 0 GB of volumes",
        "0.7500",
    ]
    assert re.findall(r'<p class="error">([^<]*)</p>', page) == []
    assert "Traceback" not in page


def test_the_operator_view_on_openstacksdk_reads_each_tenant_as_its_reader(
    openstack_url: tuple[str, list[Any]],
) -> None:
    """Like the VM's setup: a reader with a role on each tenant project, no system scope."""
    _, seen = openstack_url
    hashed = generate_password_hash(OPERATOR_PASSWORD, method="pbkdf2:sha256:1000")
    env = {
        "DASHBOARD_CLOUD": "operator-reader",
        "DASHBOARD_OPERATOR_CLOUD": "operator-reader",
        "DASHBOARD_OPERATOR_PASSWORD_HASH": hashed,
        "DASHBOARD_COOKIE_SECURE": "0",
    }
    app = create_app(load_config(env), clock=lambda: NOW)
    client = app.test_client()
    assert log_in(client, "dashboard-reader", "wrong", "ops").status_code == 401
    assert operator_log_in(client).status_code == 302
    response = client.get("/operator")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    rows = cells(page, "tenants")
    assert [row[:5] for row in rows[1:]] == [  # untagged: every project but the reader's own
        ["acme", "p-acme", "7.50", "7,680.00", "2"],
        ["globex", "p-globex", "15.00", "7,680.00", "4"],
    ]
    usage_calls = [(path, token) for _, path, token, _ in seen if "tenant-usage" in path]
    assert [(path.split("?")[0], token) for path, token in usage_calls] == [
        ("/compute/v2.1/os-simple-tenant-usage/p-acme", "tok-dashboard-reader-p-acme"),
        ("/compute/v2.1/os-simple-tenant-usage/p-globex", "tok-dashboard-reader-p-globex"),
    ]
    tokens_asked = [b for m, p, _, b in seen if m == "POST" and p == "/v3/auth/tokens"]
    assert all("admin" not in json.dumps(body) for body in tokens_asked)


# ---------------------------------------------------------------- login, CSRF, session


def test_login_form_carries_a_csrf_token(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'name="csrf_token" value="[A-Za-z0-9_-]{40,}"', page)
    assert 'name="password" type="password"' in page


def test_login_without_csrf_token_is_refused(client: FlaskClient, cloud: FakeCloud) -> None:
    client.get("/login")
    form = {"username": "alice", "password": "alice-secret-pw", "project": "acme"}
    response = client.post("/login", data=form)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    wrong = client.post("/login", data={**form, "csrf_token": "not-the-token"})
    assert wrong.status_code == 400
    assert cloud.logins == []


def test_login_with_a_wrong_password_is_401(client: FlaskClient, app: Flask) -> None:
    response = log_in(client, password="wrong")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Login failed: wrong user name, password or project." in page
    assert "kind" not in session_of(app, client)
    assert client.get("/").status_code == 302


def test_login_succeeds_and_sends_the_configured_domain(cloud: FakeCloud) -> None:
    client = make_app(cloud, DASHBOARD_DOMAIN="customers").test_client()
    response = log_in(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert cloud.logins == [("alice", "acme", "customers")]


def test_session_cookie_keeps_the_token_not_the_password(client: FlaskClient, app: Flask) -> None:
    assert log_in(client).status_code == 302
    data = session_of(app, client)
    assert data["kind"] == "tenant"
    assert data["token"] == "tok-p-acme"
    assert data["project_id"] == "p-acme"
    assert "password" not in data
    assert "alice-secret-pw" not in json.dumps(data)
    cookie = client.get_cookie("session")
    assert cookie is not None and "alice-secret-pw" not in cookie.value


def test_session_cookie_is_secure_httponly_by_default(cloud: FakeCloud) -> None:
    client = make_app(cloud, DASHBOARD_COOKIE_SECURE="").test_client()
    header = client.get("/login").headers["Set-Cookie"]
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_logout_ends_the_session(client: FlaskClient) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    token = csrf(client, "/")
    assert client.post("/logout", data={}).status_code == 400  # no CSRF token
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").headers["Location"] == "/login"


def test_expired_token_sends_back_to_login(client: FlaskClient, cloud: FakeCloud) -> None:
    log_in(client)
    cloud.tokens.clear()  # Keystone no longer accepts the token
    response = client.get("/")
    assert response.status_code == 401
    assert "Your session has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


# ---------------------------------------------------------------- the tenant's usage page


def test_usage_page_shows_the_fake_numbers(client: FlaskClient, cloud: FakeCloud) -> None:
    log_in(client)
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert cells(page, "usage")[1] == [
        "2024-03-01 00:00 to 2024-03-15 12:00",
        "12.50",
        "25,600.00",
        "100.00",
        "9.25",
    ]
    assert cells(page, "servers")[1:] == [
        ["acme-app-1", "active", "2", "4096", "6.25"],
        ["acme-old", "terminated", "1", "2048", "3.00"],
    ]
    assert cells(page, "quotas")[0] == ["service", "resource", "used", "limit"]
    assert cells(page, "quotas")[1:] == [
        ["compute", "vCPUs", "2", "4"],
        ["compute", "RAM (MB)", "4096", "8192"],
        ["volume", "volume GB", "8", "20"],
        ["network", "floating IPs", "1", "unlimited"],
    ]
    assert cells(page, "volumes")[1:] == [
        ["acme-data-1", "5", "in-use"],
        ["acme-data-2", "3", "available"],
    ]
    assert cloud.periods == [(datetime(2024, 3, 1, tzinfo=UTC), NOW)]


def test_usage_page_honours_the_period(client: FlaskClient, cloud: FakeCloud) -> None:
    log_in(client)
    assert client.get("/?start=2024-02-01&end=2024-02-29").status_code == 200
    assert cloud.periods == [(datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))]
    bad = client.get("/?start=2024-02-30")
    assert bad.status_code == 400
    assert "dates must be written YYYY-MM-DD" in bad.get_data(as_text=True)
    assert len(cloud.periods) == 1


def test_a_tenant_reaches_only_its_own_project(client: FlaskClient, cloud: FakeCloud) -> None:
    log_in(client)
    client.get("/")
    client.get("/?project_id=p-globex&project=globex&tenant=p-globex")
    client.get("/?start=2024-01-01&end=2024-01-31")
    page = client.get("/").get_data(as_text=True)
    assert cloud.calls, "the fake saw no call"
    assert {project for _, _, project in cloud.calls} == {"p-acme"}
    assert {how for how, _, _ in cloud.calls} == {"tenant"}
    assert {what for _, what, _ in cloud.calls} == {"view", "usage", "quotas", "volumes", "quote"}
    assert "globex" not in page


def test_cost_comes_from_the_cloudkitty_quote(client: FlaskClient, cloud: FakeCloud) -> None:
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    assert cloud.quoted == [("p-acme", Resources(cpu=2, ram_mb=4096, storage_gb=8))]
    (_, row) = cells(page, "cost")
    assert row[0] == "cloudkitty"
    assert row[2] == "2 vCPUs, 4096 MB RAM, 8 GB of volumes"
    assert row[3:] == ["1.2345", "-"]
    assert "Not from CloudKitty" not in page


def test_cost_falls_back_to_prices_when_the_quote_fails(
    client: FlaskClient, cloud: FakeCloud
) -> None:
    cloud.failures[("quote", "p-acme")] = CloudError("CloudKitty quote: 503 Service Unavailable")
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    (_, row) = cells(page, "cost")
    assert row[0] == "prices"
    assert row[1] == "configured prices (DASHBOARD_PRICES) applied to the usage"
    # 2 vCPUs x 0.02 + 4096 MB x 0.001 + 8 GB x 0.0005, per hour
    assert row[3] == "4.1400"
    # 12.5 vCPU-h x 0.02 + 25600 MB-h x 0.001 + (5 + 3) GB x 348 h x 0.0005
    assert row[4] == f"{0.25 + 25.6 + 8 * MONTH_HOURS * 0.0005:.4f}" == "27.2420"
    assert "Not from CloudKitty: CloudKitty failed: CloudKitty quote: 503" in page
    assert cells(page, "cost-lines")[1:] == [
        ["cpu", "12.50", "vCPU-hours", "0.02", "0.2500"],
        ["ram", "25,600.00", "MB-hours", "0.001", "25.6000"],
        ["storage", "2,784.00", "GB-hours", "0.0005", "1.3920"],
    ]


def test_cost_falls_back_when_rating_is_not_in_the_catalog(
    client: FlaskClient, cloud: FakeCloud
) -> None:
    cloud.quotes["p-acme"] = None
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    assert cells(page, "cost")[1][0] == "prices"
    assert "CloudKitty (rating) is not in the service catalog" in page


def test_no_cost_without_quote_nor_prices(cloud: FakeCloud) -> None:
    cloud.quotes["p-acme"] = None
    client = make_app(cloud, DASHBOARD_PRICES="").test_client()
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    (_, row) = cells(page, "cost")
    assert row[0] == "none" and row[3:] == ["-", "-"]
    assert "no cost available" in page


def test_cloud_error_is_one_line_on_the_page(client: FlaskClient, cloud: FakeCloud) -> None:
    cloud.failures[("usage", "p-acme")] = CloudError("Nova usage: 500 Internal Server Error")
    log_in(client)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<p class="error">Nova usage: 500 Internal Server Error</p>' in page
    assert "Usage unavailable." in page
    assert cells(page, "volumes")[1] == ["acme-data-1", "5", "in-use"]  # the rest still shows
    assert "Traceback" not in page


def test_unexpected_failure_shows_no_traceback(client: FlaskClient, cloud: FakeCloud) -> None:
    cloud.failures[("view", "p-acme")] = RuntimeError("secret internals")
    log_in(client)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Internal error." in page
    assert "Traceback" not in page and "secret internals" not in page


# ---------------------------------------------------------------- the operator view


def test_operator_view_needs_an_operator_login(client: FlaskClient, cloud: FakeCloud) -> None:
    response = client.get("/operator")
    assert response.status_code == 302
    assert response.headers["Location"] == "/operator/login"
    assert operator_log_in(client, password="guess").status_code == 401
    assert client.get("/operator").status_code == 302
    assert cloud.calls == []


def test_operator_view_refuses_a_tenant_session(client: FlaskClient, cloud: FakeCloud) -> None:
    log_in(client)
    response = client.get("/operator")
    assert response.status_code == 403
    assert "not open to tenant sessions" in response.get_data(as_text=True)
    assert [call for call in cloud.calls if call[0] == "operator"] == []


def test_operator_view_lists_every_tenant(client: FlaskClient, cloud: FakeCloud) -> None:
    response = operator_log_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/operator"
    page = client.get("/operator").get_data(as_text=True)
    rows = cells(page, "tenants")
    assert rows[0][:3] == ["tenant", "project id", "vCPU-hours"]
    assert [row[:7] for row in rows[1:]] == [
        ["acme", "p-acme", "12.50", "25,600.00", "2", "4096", "8"],
        ["globex", "p-globex", "99.75", "204,800.00", "4", "8192", "10"],
    ]
    assert [(row[7], row[9]) for row in rows[1:]] == [
        ("1.2345", "cloudkitty"),
        ("6.5000", "cloudkitty"),
    ]
    assert [call for call in cloud.calls if call[1] == "view"] == [
        ("operator", "view", "p-acme"),
        ("operator", "view", "p-globex"),
    ]
    assert {how for how, _, _ in cloud.calls} == {"operator"}


def test_operator_view_shows_a_failing_tenant_as_one_line(
    client: FlaskClient, cloud: FakeCloud
) -> None:
    cloud.failures[("operator_view", "p-globex")] = CloudError(
        "operator access to project p-globex: 403 Forbidden"
    )
    operator_log_in(client)
    response = client.get("/operator")
    assert response.status_code == 200
    rows = cells(response.get_data(as_text=True), "tenants")
    assert rows[1][:3] == ["acme", "p-acme", "12.50"]
    assert rows[2][:3] == ["globex", "p-globex", "-"]
    assert rows[2][-1] == "operator access to project p-globex: 403 Forbidden"


def test_operator_login_is_off_without_a_hash(cloud: FakeCloud) -> None:
    client = make_app(cloud, DASHBOARD_OPERATOR_PASSWORD_HASH="").test_client()
    assert client.get("/operator/login").status_code == 404
    assert client.get("/operator").status_code == 302


def test_operator_session_is_not_a_tenant_session(client: FlaskClient, app: Flask) -> None:
    operator_log_in(client)
    assert session_of(app, client)["kind"] == "operator"
    assert client.get("/").headers["Location"] == "/operator"


# ---------------------------------------------------------------- cost, period and config


def test_choose_cost_prefers_the_quote() -> None:
    resources = Resources(cpu=2, ram_mb=1000, storage_gb=10)
    consumption = Consumption(vcpu_hours=10, ram_mb_hours=5000, storage_gb_hours=100)
    prices = Prices(cpu=0.5, ram=0.01, storage=0.1)
    quoted = choose_cost(
        quote=3.0, quote_error=None, resources=resources, consumption=consumption, prices=prices
    )
    assert (quoted.source, quoted.rate, quoted.period_total) == (Source.CLOUDKITTY, 3.0, None)
    failed = choose_cost(
        quote=None, quote_error="boom", resources=resources, consumption=consumption, prices=prices
    )
    assert failed.source is Source.PRICES
    assert failed.rate == pytest.approx(2 * 0.5 + 1000 * 0.01 + 10 * 0.1)
    assert failed.period_total == pytest.approx(10 * 0.5 + 5000 * 0.01 + 100 * 0.1)
    assert failed.reason == "CloudKitty failed: boom"
    nothing = choose_cost(
        quote=None, quote_error=None, resources=resources, consumption=consumption, prices=None
    )
    assert (nothing.source, nothing.rate) == (Source.NONE, None)


def test_storage_gb_hours_counts_from_creation() -> None:
    start, end = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 2, tzinfo=UTC)
    volumes = [
        (10, datetime(2024, 3, 1, 12, tzinfo=UTC)),  # 12 h
        (4, None),  # 24 h
        (100, datetime(2024, 3, 3, tzinfo=UTC)),  # after the end
        (1, datetime(2024, 2, 1, 6)),  # naive, older than the start: 24 h
    ]
    assert storage_gb_hours(volumes, start, end) == pytest.approx(120 + 96 + 0 + 24)


def test_parse_period_defaults_to_this_month_until_now() -> None:
    period = parse_period("", "", NOW)
    assert (period.start, period.end) == (datetime(2024, 3, 1, tzinfo=UTC), NOW)
    assert (period.first_day, period.last_day) == ("2024-03-01", "2024-03-15")
    with pytest.raises(PeriodError, match="starts after it ends"):
        parse_period("2024-03-10", "2024-03-01", NOW)
    with pytest.raises(PeriodError, match="future"):
        parse_period("2024-04-01", "2024-04-02", NOW)


def test_config_parses_prices_and_rejects_bad_values() -> None:
    config = load_config({"DASHBOARD_PRICES": PRICES, "DASHBOARD_PORT": "8080"})
    assert config.prices == Prices(cpu=0.02, ram=0.001, storage=0.0005)
    assert (config.host, config.port, config.domain) == ("127.0.0.1", 8080, "Default")
    # the stack's prices, as the dashboard VM gets them: decimal strings
    as_text = load_config({"DASHBOARD_PRICES": '{"cpu": "0.02", "ram": "0.001", "storage": "0"}'})
    assert as_text.prices == Prices(cpu=0.02, ram=0.001, storage=0.0)
    for bad, message in [
        ("{", "not valid JSON"),
        ('{"cpu": 1, "ram": 1}', "lacks storage"),
        ('{"cpu": 1, "ram": 1, "storage": -1}', "non-negative"),
        ('{"cpu": "one", "ram": 1, "storage": 1}', "must be a number"),
        ('{"cpu": "1e3", "ram": 1, "storage": 1}', "must be a number"),
        ('{"cpu": 1, "ram": 1, "storage": 1, "gpu": 2}', "unknown keys gpu"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_config({"DASHBOARD_PRICES": bad})
    with pytest.raises(ConfigError, match="DASHBOARD_PORT"):
        load_config({"DASHBOARD_PORT": "http"})
    with pytest.raises(ConfigError, match="werkzeug password hash"):
        load_config({"DASHBOARD_OPERATOR_PASSWORD_HASH": "plain-password"})


def test_secret_key_comes_from_env_or_is_random() -> None:
    assert load_config({"DASHBOARD_SECRET_KEY": "k" * 32}).secret_key == "k" * 32
    first, second = load_config({}), load_config({})
    assert first.secret_key_generated and second.secret_key_generated
    assert first.secret_key != second.secret_key and len(first.secret_key) >= 32


def test_main_serves_on_the_configured_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[str, int]] = []

    class Served:
        def run(self, host: str, port: int, debug: bool) -> None:
            served.append((host, port))

    monkeypatch.setattr(dashboard_main, "create_app", lambda config: Served())
    monkeypatch.setenv("DASHBOARD_PORT", "8123")
    monkeypatch.delenv("DASHBOARD_HOST", raising=False)
    assert dashboard_main.main() == 0
    monkeypatch.setenv("DASHBOARD_HOST", "0.0.0.0")
    assert dashboard_main.main() == 0
    assert served == [("127.0.0.1", 8123), ("0.0.0.0", 8123)]
    monkeypatch.setenv("DASHBOARD_PORT", "99999")
    assert dashboard_main.main() == 2
