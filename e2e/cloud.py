"""What the cloud really holds, read through openstacksdk (not through Pulumi's outputs)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openstack.connection import Connection


def connect(cloud: str | None = None) -> Connection:
    """``cloud`` of clouds.yaml, else ``OS_CLOUD`` (the sandbox's operator by default)."""
    import openstack  # the e2e extra; the rig's pure logic runs in the fast suite without it

    return openstack.connect(cloud=cloud or os.environ.get("OS_CLOUD", "osbp-sandbox"))


def connect_system_admin(cloud: str) -> SystemAdminSession:
    """``cloud``'s user as Keystone's system administrator (see ``SystemAdminSession``)."""
    import openstack

    return SystemAdminSession(cloud, openstack.connect(cloud=cloud))


def connect_with(auth: dict[str, str], region_name: str, auth_type: str = "password") -> Any:
    """A session from these credentials alone: openstacksdk would otherwise merge the
    OS_CLOUD entry's (the operator's) into them, user and password included."""
    import openstack
    from openstack.config import get_cloud_region

    region = get_cloud_region(
        load_yaml_config=False,
        load_envvars=False,
        auth_type=auth_type,
        auth=auth,
        region_name=region_name,
        identity_api_version="3",
    )
    return openstack.connection.Connection(config=region)


def _session(cloud: str, **scope: str) -> Any:
    """``cloud``'s user and password with another scope (no project of its own)."""
    import openstack

    config = openstack.config.OpenStackConfig().get_one(cloud=cloud)
    auth = {key: value for key, value in config.auth.items() if not key.startswith("project_")}
    return connect_with({**auth, **scope}, config.region_name)


class SystemAdminSession:
    """The operator's project session, with Keystone reached through the system scope.

    Zed's new defaults refuse a project-scoped admin ``GET /v3/projects/{id}`` of
    another project, and the system scope's catalog lacks project-bound endpoints
    (Cinder's): Keystone goes through the system scope, the rest through the entry's
    own project. Neutron shows a security group to its project's members only, so
    those are read from inside the project (``in_project``).
    """

    def __init__(self, cloud: str, project: Connection) -> None:
        self.cloud = cloud
        self._project = project
        self.identity = _session(cloud, system_scope="all").identity

    def in_project(self, project_id: str) -> Any:
        """A session scoped to ``project_id``, where the operator holds a role."""
        return _session(self.cloud, project_id=project_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._project, name)


MEMBERS_ONLY = frozenset(
    {"openstack:networking/secGroup:SecGroup", "openstack:networking/secGroupRule:SecGroupRule"}
)
"""Types that Zed's Neutron shows to the members of their project only (no admin rule)."""


def members_only_baseline(
    session: SystemAdminSession, deployed: DeployedStack
) -> dict[str, tuple[int, int]]:
    """Per project holding the stack's security groups: how many groups and rules there
    are not the stack's (Neutron's ``default``), counted from inside before destroy."""
    kind = "openstack:networking/secGroup:SecGroup"
    groups = [r for r in deployed.resources if r["type"] == kind]
    ours = {r["id"] for r in groups}
    baseline = {}
    for project_id in {r["outputs"]["tenantId"] for r in groups}:
        inside = session.in_project(project_id)
        others = [g for g in inside.network.security_groups() if g.id not in ours]
        baseline[project_id] = (len(others), sum(len(g.security_group_rules) for g in others))
    return baseline


def members_only_leftovers(conn: Connection, baseline: dict[str, tuple[int, int]]) -> list[str]:
    """Neutron's usage counters of each project (an admin reads those) against the baseline:
    any group or rule beyond it is one of the stack's, left behind."""
    found = []
    for project_id, expected in sorted(baseline.items()):
        usage = conn.network.get_quota(project_id, details=True)
        used = (usage.security_groups["used"], usage.security_group_rules["used"])
        if used != expected:
            found.append(
                f"project {project_id}: Neutron counts {used[0]} security groups and {used[1]} "
                f"rules, {expected[0]} and {expected[1]} of them not the stack's"
            )
    return found


@dataclass
class DeployedStack:
    """A stack's exported state: resources by type and name, and its outputs."""

    state: dict[str, Any]
    outputs: dict[str, Any]

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [
            r
            for r in self.state["deployment"].get("resources", [])
            if r.get("custom") and not r["type"].startswith("pulumi:providers:")
        ]

    def resource(self, type_token: str, name: str) -> dict[str, Any]:
        matches = [
            r for r in self.resources if r["type"] == type_token and r["urn"].endswith(f"::{name}")
        ]
        if len(matches) != 1:
            raise AssertionError(f"{len(matches)} {type_token} named {name} in the state")
        return matches[0]

    def id_of(self, type_token: str, name: str) -> str:
        return str(self.resource(type_token, name)["id"])


def _exists(find: Callable[..., Any]) -> Callable[[Connection, str], bool]:
    return lambda conn, resource_id: find(conn)(resource_id, ignore_missing=True) is not None


def _volume_attached(conn: Connection, attach_id: str) -> bool:
    """A VolumeAttach's id is ``<server id>/<volume id>``: is that volume still on it?"""
    server_id, _, volume_id = attach_id.partition("/")
    volume = conn.block_storage.find_volume(volume_id, ignore_missing=True)
    return volume is not None and any(
        attachment.get("server_id") == server_id for attachment in volume.attachments or []
    )


def _floating_ip_associated(conn: Connection, ip_id: str) -> bool:
    address = conn.network.find_ip(ip_id, ignore_missing=True)
    return address is not None and bool(address.port_id)


def _role_assigned(conn: Connection, assignment_id: str) -> bool:
    """A RoleAssignment's id is ``<domain>/<project>/<group>/<user>/<role>``."""
    _, project_id, group_id, user_id, role_id = assignment_id.split("/")
    identity: Any = conn.identity  # Keystone v3 (openstacksdk types it v2 | v3)
    found = identity.role_assignments(
        scope_project_id=project_id,
        role_id=role_id,
        **({"group_id": group_id} if group_id else {"user_id": user_id}),
    )
    return any(True for _ in found)


def _quotas_project_exists(conn: Connection, quota_id: str) -> bool:
    """A quota set's id is ``<project>/<region>``: the services keep a deleted project's
    limits in their databases, meaningless once Keystone has no such project."""
    identity: Any = conn.identity
    return identity.find_project(quota_id.split("/")[0], ignore_missing=True) is not None


def _member_exists(conn: Connection, member_id: str) -> bool:
    """An Octavia member is found through its pool; a deleted pool has none left."""
    balancer: Any = conn.load_balancer
    return any(m.id == member_id for pool in balancer.pools() for m in balancer.members(pool))


PROBES: dict[str, Callable[[Connection, str], bool]] = {
    "openstack:identity/roleAssignment:RoleAssignment": _role_assigned,
    "openstack:compute/quotaSetV2:QuotaSetV2": _quotas_project_exists,
    "openstack:networking/quotaV2:QuotaV2": _quotas_project_exists,
    "openstack:blockstorage/quoteSetV3:QuoteSetV3": _quotas_project_exists,
    "openstack:compute/instance:Instance": _exists(lambda c: c.compute.find_server),
    "openstack:compute/keypair:Keypair": _exists(lambda c: c.compute.find_keypair),
    "openstack:compute/serverGroup:ServerGroup": _exists(lambda c: c.compute.find_server_group),
    "openstack:compute/volumeAttach:VolumeAttach": _volume_attached,
    "openstack:blockstorage/volume:Volume": _exists(lambda c: c.block_storage.find_volume),
    "openstack:networking/network:Network": _exists(lambda c: c.network.find_network),
    "openstack:networking/subnet:Subnet": _exists(lambda c: c.network.find_subnet),
    "openstack:networking/port:Port": _exists(lambda c: c.network.find_port),
    "openstack:networking/router:Router": _exists(lambda c: c.network.find_router),
    "openstack:networking/routerInterface:RouterInterface": _exists(lambda c: c.network.find_port),
    "openstack:networking/secGroup:SecGroup": _exists(lambda c: c.network.find_security_group),
    "openstack:networking/secGroupRule:SecGroupRule": _exists(
        lambda c: c.network.find_security_group_rule
    ),
    "openstack:networking/floatingIp:FloatingIp": _exists(lambda c: c.network.find_ip),
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": _floating_ip_associated,
    "openstack:identity/project:Project": _exists(lambda c: c.identity.find_project),
    "openstack:identity/user:User": _exists(lambda c: c.identity.find_user),
    "openstack:images/image:Image": _exists(lambda c: c.image.find_image),
    "openstack:orchestration/stackV1:StackV1": _exists(lambda c: c.orchestration.find_stack),
    "openstack:loadbalancer/loadBalancer:LoadBalancer": _exists(
        lambda c: c.load_balancer.find_load_balancer
    ),
    "openstack:loadbalancer/listener:Listener": _exists(lambda c: c.load_balancer.find_listener),
    "openstack:loadbalancer/pool:Pool": _exists(lambda c: c.load_balancer.find_pool),
    "openstack:loadbalancer/monitor:Monitor": _exists(
        lambda c: c.load_balancer.find_health_monitor
    ),
    "openstack:loadbalancer/member:Member": _member_exists,
}
"""How to tell that a resource of a type still exists, by its id."""

NOT_IN_THE_CLOUD = {
    "random:index/randomPassword:RandomPassword",
    "random:index/randomString:RandomString",
    "pulumi:index:Stash",
    "pulumi:pulumi:StackReference",
}
"""Types whose resources live in the Pulumi state only: nothing to look for in the cloud."""


def leftovers(
    conn: Connection,
    deployed: DeployedStack,
    members_only: dict[str, tuple[int, int]] | None = None,
) -> list[str]:
    """Resources of the (now destroyed) stack that the cloud still has.

    A type without a probe is reported too: the check must never pass by not looking
    (add a probe above when a blueprint uses a new type). ``members_only`` (a
    ``members_only_baseline`` taken before destroy) replaces the probes of the types
    an admin cannot see in other projects.
    """
    found = [] if members_only is None else members_only_leftovers(conn, members_only)
    for resource in deployed.resources:
        kind, name = resource["type"], resource["urn"].split("::")[-1]
        if kind in NOT_IN_THE_CLOUD or (members_only is not None and kind in MEMBERS_ONLY):
            continue
        probe = PROBES.get(kind)
        if probe is None:
            found.append(f"{kind} {name}: no probe for this type in e2e/cloud.py, cannot tell")
        elif resource.get("id") and probe(conn, resource["id"]):
            found.append(f"{kind} {name} ({resource['id']})")
    return found


def physical_names(deployed: DeployedStack) -> dict[str, set[str]]:
    """Physical names (the ``name`` output) of the stack's resources, by type."""
    names: dict[str, set[str]] = {}
    for resource in deployed.resources:
        name = (resource.get("outputs") or {}).get("name")
        if isinstance(name, str) and name:
            names.setdefault(resource["type"], set()).add(name)
    return names


def expect(actual: Any, expected: Any, what: str) -> None:
    """Assert with a message that says what differs, for the acceptance report."""
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, found {actual!r}")


def ingress_rules(conn: Connection, group_id: str) -> list[tuple[str, int, int, str]]:
    """(protocol, port min, port max, source) of a security group's IPv4 ingress rules."""
    return sorted(
        (
            rule.protocol,
            rule.port_range_min,
            rule.port_range_max,
            rule.remote_ip_prefix or "0.0.0.0/0",
        )
        for rule in conn.network.security_group_rules(security_group_id=group_id)
        if rule.direction == "ingress" and rule.ether_type == "IPv4"
    )


def server_addresses(conn: Connection, server_id: str) -> dict[str, list[str]]:
    server = conn.compute.get_server(server_id)
    return {net: [a["addr"] for a in addrs] for net, addrs in (server.addresses or {}).items()}


def service_log_excerpt(since: str = "", lines: int = 30) -> str:
    """The errors the sandbox's services logged since ``since`` (``YYYY-MM-DD HH:MM:SS``).

    That is what explains a failed API call; older errors (start-up retries) are noise.
    """
    log_dir = Path(os.environ.get("OSBP_SANDBOX_DIR", "/var/tmp/osbp-sandbox")) / "log"
    if not log_dir.is_dir():
        return f"(no service logs in {log_dir})"
    parts = []
    for log in sorted(log_dir.glob("*.log")):
        errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if " ERROR " in line and line[:19] >= since
        ]
        if errors:
            parts.append(
                f"--- {log.name} (last {lines} error lines)\n" + "\n".join(errors[-lines:])
            )
    return "\n".join(parts) or "(no ERROR lines in the service logs)"
