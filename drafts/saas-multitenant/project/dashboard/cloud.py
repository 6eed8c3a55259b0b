"""Everything openstacksdk: tenant login, usage, quotas, volumes and CloudKitty's quote.

A tenant's calls go through a connection built from its own project-scoped token and
nothing else (no clouds.yaml, no OS_* variables), so it reads only what Keystone lets it
read: its own project. The operator's calls use the reader credentials of the clouds.yaml
cloud named by DASHBOARD_OPERATOR_CLOUD, re-scoped to each tenant project it reads.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

import keystoneauth1.exceptions as ks_exceptions
import openstack
import openstack.config
from keystoneauth1.identity.base import BaseIdentityPlugin
from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection
from openstack.identity.v3._proxy import Proxy as IdentityV3

from .config import Config, ConfigError
from .cost import Resources, as_utc

log = logging.getLogger(__name__)

NOVA_TIME = "%Y-%m-%dT%H:%M:%S"
COMPUTE_QUOTAS = (("cores", "vCPUs"), ("ram", "RAM (MB)"), ("instances", "instances"))
VOLUME_QUOTAS = (("gigabytes", "volume GB"), ("volumes", "volumes"))
NETWORK_QUOTAS = (("port", "ports"), ("floatingip", "floating IPs"))


class CloudError(Exception):
    """A cloud call failed; the message is one line, fit to show on a page."""


class AuthenticationError(CloudError):
    """Keystone refused the credentials."""


class TokenExpiredError(CloudError):
    """The token in the session no longer authenticates."""


@dataclass(frozen=True)
class TenantLogin:
    """A tenant's project-scoped token and what it says about its owner."""

    token: str
    project_id: str
    project_name: str
    user_id: str
    username: str
    expires_at: datetime | None


@dataclass(frozen=True)
class ServerUsage:
    name: str
    state: str
    vcpus: int
    memory_mb: int
    hours: float
    ended: bool


@dataclass(frozen=True)
class Usage:
    """Nova's simple tenant usage of one project over [start, end]."""

    start: datetime
    end: datetime
    vcpu_hours: float
    ram_mb_hours: float
    disk_gb_hours: float
    server_hours: float
    servers: tuple[ServerUsage, ...] = ()

    @property
    def running(self) -> tuple[ServerUsage, ...]:
        return tuple(server for server in self.servers if not server.ended)

    @property
    def vcpus_in_use(self) -> int:
        return sum(server.vcpus for server in self.running)

    @property
    def ram_mb_in_use(self) -> int:
        return sum(server.memory_mb for server in self.running)


@dataclass(frozen=True)
class Quota:
    service: str
    resource: str
    used: int
    limit: int

    @property
    def unlimited(self) -> bool:
        return self.limit < 0


@dataclass(frozen=True)
class Quotas:
    items: tuple[Quota, ...]
    problems: tuple[str, ...] = ()
    """One line per service whose quotas could not be read."""


@dataclass(frozen=True)
class Volume:
    id: str
    name: str
    size_gb: int
    status: str
    created_at: datetime | None


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    tags: tuple[str, ...] = ()


class ProjectView(Protocol):
    """Read access to one project."""

    @property
    def project_id(self) -> str: ...

    def usage(self, start: datetime, end: datetime) -> Usage: ...

    def quotas(self) -> Quotas: ...

    def volumes(self) -> list[Volume]: ...

    def quote(self, resources: Resources) -> float | None:
        """CloudKitty's price for one rating period; None when it is not in the catalog."""
        ...


class Cloud(Protocol):
    """What the dashboard asks of the cloud (the tests implement it with a fake)."""

    def login(
        self, username: str, password: str, project_name: str, domain: str
    ) -> TenantLogin: ...

    def tenant_view(self, token: str, project_id: str) -> ProjectView: ...

    def operator_projects(self, tag: str) -> list[Project]: ...

    def operator_view(self, project_id: str) -> ProjectView: ...


def nova_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC without offset: Nova rejects ``+00:00``."""
    return as_utc(moment).replace(tzinfo=None).strftime(NOVA_TIME)


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


@contextmanager
def cloud_errors(what: str) -> Iterator[None]:
    """Turn openstacksdk and keystoneauth failures into one-line CloudErrors."""
    try:
        yield
    except CloudError:
        raise
    except ks_exceptions.Unauthorized as error:
        raise TokenExpiredError(f"{what}: Keystone refused the token or credentials") from error
    except sdk_exceptions.HttpException as error:
        if error.status_code == 401:
            raise TokenExpiredError(f"{what}: Keystone refused the token or credentials") from error
        raise CloudError(f"{what}: {one_line(error)}") from error
    except (sdk_exceptions.SDKException, ks_exceptions.ClientException) as error:
        raise CloudError(f"{what}: {one_line(error)}") from error
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CloudError(f"{what}: unexpected response ({one_line(error)})") from error


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value


def _items(value: object, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a JSON list")
    return [_object(item, what) for item in value]


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} is not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} is not finite: {value!r}")
    return number


def _int(value: object, what: str) -> int:
    return int(_number(value, what))


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def parse_usage(body: object, start: datetime, end: datetime) -> Usage:
    """The body of GET /os-simple-tenant-usage/{project_id}."""
    usage = _object(_object(body, "usage").get("tenant_usage") or {}, "tenant_usage")
    servers = tuple(
        ServerUsage(
            name=str(server.get("name") or server.get("instance_id") or "?"),
            state=str(server.get("state") or ""),
            vcpus=_int(server.get("vcpus") or 0, "vcpus"),
            memory_mb=_int(server.get("memory_mb") or 0, "memory_mb"),
            hours=_number(server.get("hours") or 0, "hours"),
            ended=server.get("ended_at") is not None,
        )
        for server in _items(usage.get("server_usages") or [], "server_usages")
    )
    return Usage(
        start=start,
        end=end,
        vcpu_hours=_number(usage.get("total_vcpus_usage") or 0, "total_vcpus_usage"),
        ram_mb_hours=_number(usage.get("total_memory_mb_usage") or 0, "total_memory_mb_usage"),
        disk_gb_hours=_number(usage.get("total_local_gb_usage") or 0, "total_local_gb_usage"),
        server_hours=_number(usage.get("total_hours") or 0, "total_hours"),
        servers=servers,
    )


def parse_quotas(
    body: object, service: str, envelope: str, wanted: Iterable[tuple[str, str]], used_key: str
) -> list[Quota]:
    """Quota bodies with ``{resource: {used_key: n, "limit": m}}`` under ``envelope``."""
    quotas = _object(_object(body, service).get(envelope), envelope)
    found = []
    for key, label in wanted:
        if key in quotas:
            entry = _object(quotas[key], key)
            found.append(
                Quota(
                    service=service,
                    resource=label,
                    used=_int(entry.get(used_key) or 0, f"{key} {used_key}"),
                    limit=_int(entry.get("limit", -1), f"{key} limit"),
                )
            )
    return found


def parse_volumes(body: object) -> list[Volume]:
    """The body of GET /volumes/detail."""
    return [
        Volume(
            id=str(volume.get("id") or ""),
            name=str(volume.get("name") or volume.get("id") or ""),
            size_gb=_int(volume.get("size") or 0, "size"),
            status=str(volume.get("status") or ""),
            created_at=_time(volume.get("created_at")),
        )
        for volume in _items(_object(body, "volumes").get("volumes") or [], "volumes")
    ]


def quote_body(resources: Resources) -> dict[str, Any]:
    """CloudKitty's POST /v1/rating/quote body for the current resources."""
    return {
        "resources": [
            {"service": "cpu", "desc": {}, "volume": str(resources.cpu)},
            {"service": "ram", "desc": {}, "volume": str(resources.ram_mb)},
            {"service": "storage", "desc": {}, "volume": str(resources.storage_gb)},
        ]
    }


def rating_root(endpoint: str) -> str:
    """CloudKitty's catalog URL without a trailing slash or API version."""
    root = endpoint.rstrip("/")
    return root[: -len("/v1")] if root.endswith("/v1") else root


def parse_quote(body: object) -> float:
    price = _number(body, "quote")
    if price < 0:
        raise ValueError(f"negative quote {price}")
    return price


def select_tenants(projects: Iterable[Project], tag: str, exclude: str | None) -> list[Project]:
    """The projects tagged ``tag``; if none is, every project but ``exclude``."""
    projects = list(projects)
    tagged = [project for project in projects if tag in project.tags]
    chosen = tagged or [project for project in projects if project.id != exclude]
    return sorted(chosen, key=lambda project: (project.name, project.id))


def _json(response: Any) -> object:
    sdk_exceptions.raise_from_response(response)
    body: object = response.json()
    return body


class OpenStackProjectView:
    """One project read through a connection scoped to it."""

    def __init__(self, conn: Connection, project_id: str) -> None:
        self._conn = conn
        self._project_id = project_id

    @property
    def project_id(self) -> str:
        return self._project_id

    def _path(self, template: str) -> str:
        return template.format(project=urlquote(self._project_id, safe=""))

    def usage(self, start: datetime, end: datetime) -> Usage:
        query = urlencode({"start": nova_time(start), "end": nova_time(end)})
        with cloud_errors("Nova usage"):
            path = self._path("/os-simple-tenant-usage/{project}")
            body = _json(self._conn.compute.get(f"{path}?{query}"))
            return parse_usage(body, start, end)

    def quotas(self) -> Quotas:
        calls = (
            ("compute", "/os-quota-sets/{project}/detail", "quota_set", COMPUTE_QUOTAS, "in_use"),
            ("volume", "/os-quota-sets/{project}?usage=True", "quota_set", VOLUME_QUOTAS, "in_use"),
            ("network", "/quotas/{project}/details", "quota", NETWORK_QUOTAS, "used"),
        )
        items: list[Quota] = []
        problems: list[str] = []
        for service, path, envelope, wanted, used_key in calls:
            try:
                with cloud_errors(f"{service} quotas"):
                    try:
                        proxy = {
                            "compute": self._conn.compute,
                            "volume": self._conn.block_storage,
                            "network": self._conn.network,
                        }[service]
                        body = _json(proxy.get(self._path(path)))
                    except sdk_exceptions.ServiceDisabledException:
                        continue  # not in this cloud's catalog: no quota to show
                    items.extend(parse_quotas(body, service, envelope, wanted, used_key))
            except TokenExpiredError:
                raise
            except CloudError as error:
                problems.append(str(error))
        return Quotas(items=tuple(items), problems=tuple(problems))

    def volumes(self) -> list[Volume]:
        with cloud_errors("Cinder volumes"):
            try:
                response = self._conn.block_storage.get("/volumes/detail")
            except sdk_exceptions.ServiceDisabledException:
                return []  # no Cinder in this cloud's catalog: no volume
            return parse_volumes(_json(response))

    def quote(self, resources: Resources) -> float | None:
        with cloud_errors("CloudKitty quote"):
            endpoint = self._conn.endpoint_for("rating")
            if not endpoint:
                return None
            # an absolute URL: the proxy's own base has gone through version discovery
            # (…/v1 on a real CloudKitty), the catalog's has not
            url = f"{rating_root(endpoint)}/v1/rating/quote"
            response = self._conn.rating.post(url, json=quote_body(resources))
            return parse_quote(_json(response))


@dataclass(frozen=True)
class Endpoint:
    """Where tenants authenticate: Keystone's URL, the region and the interface."""

    auth_url: str
    region: str | None
    interface: str


def resolve_endpoint(config: Config) -> Endpoint:
    """From the DASHBOARD_CLOUD cloud (its auth_url, region, interface only), or OS_*."""
    if config.endpoint_cloud:
        try:
            region = openstack.config.OpenStackConfig().get_one(
                cloud=config.endpoint_cloud, validate=False
            )
        except (sdk_exceptions.SDKException, ks_exceptions.ClientException) as error:
            problem = one_line(error)
            raise ConfigError(f"DASHBOARD_CLOUD={config.endpoint_cloud}: {problem}") from None
        auth = region.config.get("auth") or {}
        auth_url = auth.get("auth_url") if isinstance(auth, dict) else None
        if not isinstance(auth_url, str) or not auth_url:
            raise ConfigError(f"cloud {config.endpoint_cloud!r} of clouds.yaml has no auth_url")
        interface = region.config.get("interface")
        return Endpoint(
            auth_url=auth_url,
            region=region.region_name or config.region,
            interface=interface if isinstance(interface, str) and interface else config.interface,
        )
    if config.auth_url:
        return Endpoint(config.auth_url, config.region, config.interface)
    raise ConfigError(
        "no Keystone to log tenants in: set OS_AUTH_URL (and OS_REGION_NAME), or "
        "DASHBOARD_CLOUD to a clouds.yaml cloud"
    )


class OpenStackCloud:
    """The real cloud, through openstacksdk."""

    def __init__(self, config: Config) -> None:
        self._endpoint = resolve_endpoint(config)
        self._operator_cloud = config.operator_cloud
        self._operator: Connection | None = None
        self._scoped: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def _connect(self, auth_type: str, auth: dict[str, str]) -> Connection:
        """A connection from these settings alone: no clouds.yaml, no OS_* variables."""
        return openstack.connect(
            load_yaml_config=False,
            load_envvars=False,
            auth_type=auth_type,
            auth={"auth_url": self._endpoint.auth_url, **auth},
            region_name=self._endpoint.region,
            interface=self._endpoint.interface,
            identity_api_version="3",
        )

    def login(self, username: str, password: str, project_name: str, domain: str) -> TenantLogin:
        try:
            conn = self._connect(
                "password",
                {
                    "username": username,
                    "password": password,
                    "project_name": project_name,
                    "user_domain_name": domain,
                    "project_domain_name": domain,
                },
            )
            session = conn.session
            auth = session.auth
            if not isinstance(auth, BaseIdentityPlugin):
                raise CloudError("Keystone login: unexpected authentication plugin")
            access = auth.get_access(session)
        except ks_exceptions.Unauthorized as error:
            raise AuthenticationError("wrong user name, password or project") from error
        except ks_exceptions.ClientException as error:
            raise CloudError(f"Keystone login: {one_line(error)}") from error
        except sdk_exceptions.SDKException as error:
            raise CloudError(f"Keystone login: {one_line(error)}") from error
        if not access.project_id or not access.auth_token:
            raise AuthenticationError("Keystone gave no token scoped to that project")
        return TenantLogin(
            token=access.auth_token,
            project_id=access.project_id,
            project_name=access.project_name or project_name,
            user_id=access.user_id or "",
            username=access.username or username,
            expires_at=access.expires,
        )

    def tenant_view(self, token: str, project_id: str) -> ProjectView:
        with cloud_errors("Keystone"):
            conn = self._connect("token", {"token": token, "project_id": project_id})
        return OpenStackProjectView(conn, project_id)

    def _operator_connection(self) -> Connection:
        if not self._operator_cloud:
            raise CloudError("the operator view needs DASHBOARD_OPERATOR_CLOUD (a reader cloud)")
        with self._lock:
            if self._operator is None:
                with cloud_errors(f"operator cloud {self._operator_cloud}"):
                    self._operator = openstack.connect(cloud=self._operator_cloud)
            return self._operator

    def operator_projects(self, tag: str) -> list[Project]:
        conn = self._operator_connection()
        with cloud_errors("listing the tenant projects"):
            own = conn.current_project_id
            identity = conn.identity
            if not isinstance(identity, IdentityV3):
                raise CloudError("the operator cloud must use Keystone's v3 API")
            try:  # a system reader lists every project
                found = [(p.id, p.name, p.tags) for p in identity.projects()]
            except sdk_exceptions.ForbiddenException:  # a project reader: its own projects
                user = conn.current_user_id
                if not user:
                    raise CloudError("the operator token names no user") from None
                found = [(p.id, p.name, p.tags) for p in identity.user_projects(user)]
            projects = [
                Project(id=str(pid), name=str(name or pid), tags=tuple(str(t) for t in tags or ()))
                for pid, name, tags in found
            ]
        return select_tenants(projects, tag, exclude=own)

    def operator_view(self, project_id: str) -> ProjectView:
        conn = self._operator_connection()
        with self._lock:
            scoped = self._scoped.get(project_id)
            if scoped is None:
                with cloud_errors(f"operator access to project {project_id}"):
                    if conn.current_project_id == project_id:
                        scoped = conn
                    else:
                        auth = conn.config.config.get("auth") or {}
                        drop_system = {"system_scope": None} if "system_scope" in auth else {}
                        scoped = conn.connect_as(project_id=project_id, **drop_system)
                self._scoped[project_id] = scoped
        return OpenStackProjectView(scoped, project_id)
