"""A development platform for a team: one project per developer, one VM per branch.

One program, two kinds of stacks (``branches.py``):

- ``team`` (an operator, admin): the team's Keystone project and, under it, one
  project per developer with their user, quotas, network, router, SSH-from-admins
  security group and persistent volume;
- any other stack is a git branch (its slug): an environment VM in the branch's
  developer's project, deployed with that developer's own credentials, reading
  the ids of their network from the team stack's plain outputs.
"""

import os

import pulumi

from branch import BranchEnvironment, BranchEnvironmentArgs
from branches import BranchError, developer_of, is_team_stack
from components import cloud_provider, scoped_credentials_problem, system_provider
from settings import Settings
from team import NetworkPlan, TeamPlatform, TeamPlatformArgs

settings = Settings.load()
stack = pulumi.get_stack()

if is_team_stack(stack):
    # Keystone's system administrator creates the projects, users and role assignments,
    # then acts inside each developer project through a provider scoped to it: OS_*
    # variables, since a clouds.yaml entry (OS_CLOUD) would pin one scope for all.
    problem = scoped_credentials_problem(os.environ)
    if problem is not None:
        raise pulumi.RunError(problem)
    inside = pulumi.ResourceOptions(provider=system_provider("identity"))
    team = TeamPlatform(
        "team",
        TeamPlatformArgs(
            developers=settings.developers,
            quotas=settings.quotas,
            network=NetworkPlan(
                external_network=settings.external_network,
                subnet_cidr=settings.subnet_cidr,
                network_type=settings.network_type,
                physical_network=settings.physical_network,
                vlan_ids=settings.vlan_ids,
            ),
            admin_cidr=settings.admin_cidr,
            persistent_volume_size=settings.persistent_volume_size,
            volume_type=settings.volume_type,
            protect_data=settings.protect_data,
        ),
        inside,
    )
    pulumi.export("team_project_id", team.team_project_id)
    pulumi.export("developers", {name: space.outputs for name, space in team.developers.items()})
    pulumi.export(
        "developer_passwords",
        pulumi.Output.secret(
            {name: space.password for name, space in team.developers.items() if space.password}
        ),
    )
else:
    # The branch's developer, with their own credentials (OS_CLOUD or OS_* variables).
    inside = pulumi.ResourceOptions(provider=cloud_provider("credentials"))
    try:
        owner = developer_of(
            stack, [d.name for d in settings.developers], os.environ.get("OSBP_DEVELOPER", "")
        )
    except BranchError as error:
        raise pulumi.RunError(str(error)) from None
    (developer,) = [d for d in settings.developers if d.name == owner]
    # Plain outputs only: a branch stack has its own passphrase and cannot decrypt
    # the team stack's secrets (the passwords), only read its ids.
    team_stack = pulumi.StackReference(f"{pulumi.get_organization()}/{pulumi.get_project()}/team")
    ids: pulumi.Output[dict[str, str]] = team_stack.require_output("developers").apply(
        lambda every_developer: every_developer[owner]
    )

    def team_id(key: str) -> pulumi.Output[str]:
        return ids.apply(lambda found: str(found[key]))

    environment = BranchEnvironment(
        "env",
        BranchEnvironmentArgs(
            developer=owner,
            ssh_public_key=developer.ssh_public_key,
            team={key: team_id(key) for key in ("network_id", "subnet_id", "security_group_id")},
            image=settings.image,
            image_user=settings.image_user,
            flavor=settings.env_flavor,
            volume_size=settings.env_volume_size,
            volume_type=settings.volume_type,
            external_network=settings.external_network,
            container_runtime=settings.container_runtime,
            toolchains=settings.toolchains,
        ),
        inside,
    )
    pulumi.export("developer", owner)
    pulumi.export("public_ip", environment.public_ip)
    pulumi.export("environment_url", environment.url)
    pulumi.export("volume_id", environment.volume_id)
