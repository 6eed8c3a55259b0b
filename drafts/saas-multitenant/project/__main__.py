"""Multi-tenant SaaS hosting: each customer in its own Keystone project.

operator (Keystone's system administrator)
  -> per tenant: project, user, member role, plan quotas
       -> inside the project (a provider scoped to it): isolated network (VLAN or vxlan),
          router, firewall, the tenant's dedicated VMs with their data volumes,
          a load balancer (Octavia, or an HAProxy pair holding a keepalived VIP)
          and the floating IP customers reach.
Billing rules (CloudKitty) are applied after ``pulumi up`` by ``make billing``; the usage
dashboard (``dashboard/``) runs anywhere, or on a VM of the operator's project.
"""

import os

import pulumi

from components import pinned_image_id, scoped_credentials_problem, system_provider
from dashboard_vm import DashboardVm, DashboardVmArgs
from hosting import HostingPlan
from settings import Settings
from tenant import TenantSpace, TenantSpaceArgs

settings = Settings.load()

# Projects, users, quotas and provider VLANs are admin-only: the stack runs as Keystone's
# system administrator, with OS_* variables (a clouds.yaml entry would pin one scope).
problem = scoped_credentials_problem(os.environ)
if problem is not None:
    raise pulumi.RunError(problem)
system = system_provider("system")

# One image id for every tenant, resolved once through the system-scoped provider (Glance
# accepts its token): a tenant's provider is unknown until its project exists.
image_id = pinned_image_id("image", settings.image, provider=system)

hosting = HostingPlan(
    load_balancer=settings.load_balancer,
    haproxy_flavor=settings.haproxy_flavor,
    external_network=settings.external_network,
    physical_network=settings.physical_network,
    operations_cidr=settings.operations_cidr,
    public_cidr=settings.public_cidr,
    admin_cidr=settings.admin_cidr,
    image_id=image_id,
    protect_data=settings.protect_data,
)
plans = {plan.name: plan for plan in settings.plans}
tenants = {
    tenant.name: TenantSpace(
        tenant.name,
        TenantSpaceArgs(tenant=tenant, plan=plans[tenant.plan], hosting=hosting),
        pulumi.ResourceOptions(provider=system),
    )
    for tenant in settings.tenants
}

pulumi.export("tenants", {name: space.outputs for name, space in tenants.items()})
pulumi.export(
    "tenant_passwords",
    pulumi.Output.secret({name: space.password for name, space in tenants.items()}),
)

dashboard_url: pulumi.Input[str] = ""
if settings.dashboard:
    dashboard = DashboardVm(
        "dashboard",
        DashboardVmArgs(
            flavor=settings.dashboard_flavor,
            hosting=hosting,
            prices=settings.prices,
            tenant_project_ids={name: space.project_id for name, space in tenants.items()},
            # the cloud the stack runs against is the one the dashboard reads
            keystone_url=settings.dashboard_auth_url or os.environ.get("OS_AUTH_URL", ""),
            # Keystone's default region name when the stack's credentials name none
            region=os.environ.get("OS_REGION_NAME") or "RegionOne",
        ),
        pulumi.ResourceOptions(provider=system),
    )
    dashboard_url = dashboard.url
    pulumi.export("dashboard_operator_password", dashboard.operator_password)
pulumi.export("dashboard_url", dashboard_url)
