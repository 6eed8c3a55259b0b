"""Explicit OpenStack providers: one per tenant project, or per region.

Nova has no "create this server in project X" argument: resources land in the
project of the provider's token. A stack that builds inside projects it
creates (one per tenant) or in a second region therefore gives each one its
own ``openstack.Provider``, and passes it to a component once
(``opts=ResourceOptions(provider=...)``): every child and every lookup of a
component inherits its parent's provider.

Credentials come from the same place as the default provider's (``OS_CLOUD``
and ``clouds.yaml``, or ``OS_*`` variables); a scoped provider only changes the
project, the scope or the region. A provider authenticating through a
clouds.yaml entry takes that entry's scope and ignores its own ``tenant_id``
and ``system_scope``: a stack that scopes providers itself runs with ``OS_*``
variables (an openrc file) and no ``OS_CLOUD`` (``scoped_credentials_problem``).

Nothing may land on the default provider by mistake in such a stack. A
blueprint forbids it with ``explicit_providers: [openstack]`` in its
``blueprint.yaml``, which writes into every stack file (``Pulumi.<stack>.yaml``)::

    config:
      pulumi:disable-default-providers: ["openstack"]

and then passes an explicit provider (``cloud_provider`` below for its own
project) to every component; a resource left without one fails at preview
with Pulumi's "default provider for 'openstack' disabled" error (the offline
runner, hence every test and ``osbp preview``, refuses it the same way). Only
``openstack`` is listed: ``random`` (generated passwords) holds no credentials
and no location, and ``pulumi.Stash`` (pinned images) is built into the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_openstack as openstack


def cloud_provider(
    name: str, *, region: str | None = None, opts: pulumi.ResourceOptions | None = None
) -> openstack.Provider:
    """The operator's own project (from ``OS_CLOUD``), optionally in another region."""
    return openstack.Provider(name, region=region, opts=opts)


def project_provider(
    name: str,
    project_id: pulumi.Input[str],
    *,
    access: Sequence[pulumi.Resource] = (),
    region: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> openstack.Provider:
    """A provider whose token is scoped to ``project_id``.

    ``access`` is what lets the operator into that project (a
    ``KeystoneProject``'s ``operator_access`` role assignment): the provider
    authenticates when first used, and Keystone refuses a project-scoped token
    before the role exists, so the provider waits for it.
    """
    depends = pulumi.ResourceOptions(depends_on=list(access))
    return openstack.Provider(
        name,
        # Scoped by id: gophercloud prefers a project id over the project name
        # that the cloud's clouds.yaml entry may carry.
        tenant_id=project_id,
        region=region,
        opts=pulumi.ResourceOptions.merge(opts, depends),
    )


def system_provider(
    name: str, *, region: str | None = None, opts: pulumi.ResourceOptions | None = None
) -> openstack.Provider:
    """Keystone's system scope, for the projects, users and role assignments of a cloud.

    Zed's secure RBAC defaults let a project-scoped admin create a project but not
    read it back (``identity:get_project`` wants a system or domain reader, or a
    member of that project); a system administrator's token does both. Its catalog
    has no project-bound endpoint (Cinder's ``/v3/%(project_id)s``), so what lives
    inside a project goes through ``project_provider``.
    """
    return openstack.Provider(name, system_scope=True, region=region, opts=opts)


PINNED_SCOPE_VARIABLES = (
    "OS_CLOUD",
    "OS_PROJECT_ID",
    "OS_PROJECT_NAME",
    "OS_TENANT_ID",
    "OS_TENANT_NAME",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_NAME",
    "OS_SYSTEM_SCOPE",
)
"""Variables that fix one scope for every provider of a process (the provider reads
``OS_SYSTEM_SCOPE`` as the boolean default of each provider's ``system_scope``)."""


def scoped_credentials_problem(environ: Mapping[str, str]) -> str | None:
    """Why these credentials cannot give each provider its own scope, or ``None``."""
    pinned = [key for key in PINNED_SCOPE_VARIABLES if environ.get(key)]
    if not pinned:
        return None
    return (
        f"this stack scopes its providers itself, but {', '.join(pinned)} "
        f"{'fixes' if len(pinned) == 1 else 'fix'} one scope for all of them: unset "
        f"{'it' if len(pinned) == 1 else 'them'} and authenticate as Keystone's system "
        "administrator with OS_AUTH_URL, OS_USERNAME, OS_PASSWORD and OS_USER_DOMAIN_NAME only "
        "(the program asks for each provider's scope)"
    )
