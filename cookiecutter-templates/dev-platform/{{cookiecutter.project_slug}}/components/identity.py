"""A Keystone project for a tenant: its users, their roles and its quotas.

Needs an operator allowed to create projects, users and role assignments
(Keystone's system administrator: ``components.provider.system_provider``).
The operator gets a role in the project and a provider scoped to it
(``provider``), through which the quotas, and whatever the caller builds inside
the project, are created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_openstack as openstack
import pulumi_random as random

from components.naming import KEYSTONE_PROJECT_NAME_LIMIT, physical_name
from components.provider import project_provider


@dataclass(frozen=True)
class ProjectUser:
    """A person or robot working in the project.

    A new user gets a generated password (a Pulumi secret, in ``passwords``);
    ``existing=True`` looks an account up by its exact name instead (e.g. from
    LDAP) and only grants it the roles.
    """

    name: str
    roles: Sequence[str] = ("member",)
    existing: bool = False
    email: str = ""


@dataclass(frozen=True)
class ProjectQuotas:
    """Limits of the project; ``None`` leaves the cloud's default for that item."""

    instances: int | None = None
    cores: int | None = None
    ram_mb: int | None = None
    networks: int | None = None
    subnets: int | None = None
    ports: int | None = None
    routers: int | None = None
    floating_ips: int | None = None
    security_groups: int | None = None
    security_group_rules: int | None = None
    volumes: int | None = None
    volume_gigabytes: int | None = None
    snapshots: int | None = None


@dataclass
class KeystoneProjectArgs:
    description: str = ""
    domain_id: str | None = None
    parent_id: pulumi.Input[str] | None = None
    """Parent project (Keystone's project hierarchy); ``None`` puts it under the domain."""
    users: Sequence[ProjectUser] = field(default_factory=list)
    quotas: ProjectQuotas | None = None
    operator_role: str | None = "member"
    """Role granted to the identity running Pulumi, so that it can act inside the
    project through ``provider``; ``None`` grants nothing (and makes no provider).
    Quotas are set by an admin of the project: they need ``"admin"``."""
    region: str | None = None
    """Region of ``provider``, hence of the quotas (each region keeps its own)."""
    tags: Sequence[str] = ()
    """Keystone tags of the project (what a tool lists projects of one kind by)."""


class KeystoneProject(pulumi.ComponentResource):
    """Project, users, role assignments and compute/network/volume quotas.

    Role assignments are single resources per (user, role), so adding a role
    never touches the others. Quotas go on their own resources, one per service,
    each carrying only the items that were set.
    """

    project_id: pulumi.Output[str]
    user_ids: dict[str, pulumi.Output[str]]
    passwords: dict[str, pulumi.Output[str]]
    """Generated passwords of the users created here, by user name (secrets)."""
    operator_access: list[pulumi.Resource]
    """The role assignment(s) a scoped provider must wait for (``depends_on``)."""
    provider: openstack.Provider | None
    """Scoped to the project; it authenticates only once the operator's role exists."""

    def __init__(
        self, name: str, args: KeystoneProjectArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:identity:KeystoneProject", name, None, opts)
        if args.quotas is not None and args.operator_role != "admin":
            raise ValueError(f"{name}: quotas are set by an admin of the project")
        child = pulumi.ResourceOptions(parent=self)
        project = openstack.identity.Project(
            name,
            name=physical_name(name, KEYSTONE_PROJECT_NAME_LIMIT),
            description=args.description or None,
            domain_id=args.domain_id,
            parent_id=args.parent_id,
            tags=list(args.tags) or None,
            opts=child,
        )
        self._project = project
        self.project_id = project.id
        self._role_ids: dict[str, pulumi.Output[str]] = {}
        self.user_ids = {}
        self.passwords = {}
        for user in args.users:
            self.user_ids[user.name] = self._user(name, user, project, args.domain_id)
            for role in user.roles:
                self._grant(f"{name}-{user.name}-{role}", self.user_ids[user.name], role)

        self.operator_access = []
        if args.operator_role is not None:
            operator = openstack.identity.get_auth_scope_output(
                name="current", opts=pulumi.InvokeOptions(parent=self)
            )
            grant = self._grant(
                f"{name}-operator-{args.operator_role}", operator.user_id, args.operator_role
            )
            self.operator_access.append(grant)
        self.provider = (
            project_provider(
                f"{name}-scoped",
                project.id,
                access=self.operator_access,
                region=args.region,
                opts=child,
            )
            if args.operator_role is not None
            else None
        )
        if args.quotas is not None:
            self._quotas(name, args.quotas)
        self.register_outputs({"project_id": self.project_id})

    def _user(
        self,
        project_name: str,
        user: ProjectUser,
        project: openstack.identity.Project,
        domain_id: str | None,
    ) -> pulumi.Output[str]:
        invoke = pulumi.InvokeOptions(parent=self)
        if user.existing:
            return openstack.identity.get_user_output(
                name=user.name, domain_id=domain_id, opts=invoke
            ).id
        password = random.RandomPassword(
            f"{project_name}-{user.name}-password",
            length=24,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.passwords[user.name] = password.result
        account = openstack.identity.User(
            f"{project_name}-{user.name}",
            name=physical_name(user.name),
            password=password.result,
            default_project_id=project.id,
            domain_id=domain_id,
            extra={"email": user.email} if user.email else None,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return account.id

    def _role_id(self, role: str) -> pulumi.Output[str]:
        if role not in self._role_ids:
            self._role_ids[role] = openstack.identity.get_role_output(
                name=role, opts=pulumi.InvokeOptions(parent=self)
            ).id
        return self._role_ids[role]

    def _grant(
        self, name: str, user_id: pulumi.Input[str], role: str
    ) -> openstack.identity.RoleAssignment:
        return openstack.identity.RoleAssignment(
            name,
            project_id=self.project_id,
            user_id=user_id,
            role_id=self._role_id(role),
            # Keystone removes a project's role assignments with the project.
            opts=pulumi.ResourceOptions(parent=self, deleted_with=self._project),
        )

    def _quotas(self, name: str, quotas: ProjectQuotas) -> None:
        # Deleting a quota set only resets the project's limits to the defaults:
        # pointless for a project being deleted, so those calls are skipped.
        child = pulumi.ResourceOptions(
            parent=self, provider=self.provider, deleted_with=self._project
        )
        if _any_set(quotas.instances, quotas.cores, quotas.ram_mb):
            openstack.compute.QuotaSetV2(
                f"{name}-compute",
                project_id=self.project_id,
                instances=quotas.instances,
                cores=quotas.cores,
                ram=quotas.ram_mb,
                opts=child,
            )
        network = (
            quotas.networks,
            quotas.subnets,
            quotas.ports,
            quotas.routers,
            quotas.floating_ips,
            quotas.security_groups,
            quotas.security_group_rules,
        )
        if _any_set(*network):
            openstack.networking.QuotaV2(
                f"{name}-network",
                project_id=self.project_id,
                network=quotas.networks,
                subnet=quotas.subnets,
                port=quotas.ports,
                router=quotas.routers,
                floatingip=quotas.floating_ips,
                security_group=quotas.security_groups,
                security_group_rule=quotas.security_group_rules,
                opts=child,
            )
        if _any_set(quotas.volumes, quotas.volume_gigabytes, quotas.snapshots):
            openstack.blockstorage.QuoteSetV3(
                f"{name}-volume",
                project_id=self.project_id,
                volumes=quotas.volumes,
                gigabytes=quotas.volume_gigabytes,
                snapshots=quotas.snapshots,
                opts=child,
            )


def _any_set(*values: int | None) -> bool:
    return any(value is not None for value in values)
