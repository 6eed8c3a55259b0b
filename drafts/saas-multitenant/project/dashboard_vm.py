"""The usage dashboard on a VM of an operations project (``dashboard: true``)."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_openstack as openstack
import pulumi_random as random

from components import (
    CloudConfig,
    IngressRule,
    KeystoneProject,
    KeystoneProjectArgs,
    PrivateNetwork,
    PrivateNetworkArgs,
    ProjectUser,
    PublicAddress,
    PublicAddressArgs,
    Router,
    RouterArgs,
    SecurityGroup,
    SecurityGroupArgs,
    Server,
    ServerArgs,
)
from hosting import HostingPlan
from settings import Prices

DASHBOARD_PACKAGE = Path(__file__).resolve().parent / "dashboard"
READER = "dashboard-reader"


@dataclass
class DashboardVmArgs:
    flavor: str
    hosting: HostingPlan
    prices: Prices
    tenant_project_ids: Mapping[str, pulumi.Input[str]]
    keystone_url: str
    region: str


def dashboard_archive() -> str:
    """The dashboard package as one gzipped tar, base64 (a cloud-init ``gz+b64`` file)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(DASHBOARD_PACKAGE.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.add(path, arcname=str(path.relative_to(DASHBOARD_PACKAGE.parent)))
    return base64.b64encode(buffer.getvalue()).decode()


class DashboardVm(pulumi.ComponentResource):
    """An operations project holding the dashboard's VM, and the dashboard's reader.

    The operator view needs to read every tenant's usage and nothing more: a user of
    its own with the reader role on each tenant project (never admin), whose
    generated password reaches the VM in its user data only (root-readable).
    """

    url: pulumi.Output[str]
    operator_password: pulumi.Output[str]
    """The dashboard's operator login (secret)."""

    def __init__(
        self, name: str, args: DashboardVmArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("osbp:saas:DashboardVm", name, None, opts)
        if not args.keystone_url:
            raise pulumi.RunError(
                "dashboard: set dashboardAuthUrl, or run the stack with OS_AUTH_URL set"
            )
        project = KeystoneProject(
            name,
            KeystoneProjectArgs(
                description="SaaS operations: the usage dashboard",
                users=[ProjectUser(name=READER, roles=("reader",))],
                operator_role="member",
            ),
            pulumi.ResourceOptions(parent=self),
        )
        reader = openstack.identity.get_role_output(
            name="reader", opts=pulumi.InvokeOptions(parent=self)
        )
        for tenant, project_id in args.tenant_project_ids.items():
            openstack.identity.RoleAssignment(
                f"{name}-reads-{tenant}",
                project_id=project_id,
                user_id=project.user_ids[READER],
                role_id=reader.id,
                opts=pulumi.ResourceOptions(parent=self),
            )
        inside = pulumi.ResourceOptions(parent=self, provider=project.provider)
        hosting = args.hosting
        router = Router(
            f"{name}-router", RouterArgs(external_network=hosting.external_network), inside
        )
        network = PrivateNetwork(
            f"{name}-net", PrivateNetworkArgs(cidr=hosting.operations_cidr, router=router), inside
        )
        admin_ssh = (
            [IngressRule(22, hosting.admin_cidr, description="SSH from administrators")]
            if hosting.admin_cidr
            else []
        )
        firewall = SecurityGroup(
            f"{name}-web",
            SecurityGroupArgs(
                description="Usage dashboard: HTTPS from the public",
                ingress=[IngressRule(443, hosting.public_cidr, description="tenants"), *admin_ssh],
            ),
            inside,
        )
        address = PublicAddress(name, PublicAddressArgs(pool=hosting.external_network), inside)
        prices = args.prices
        operator_password = random.RandomPassword(
            f"{name}-operator-password",
            length=24,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.operator_password = operator_password.result
        Server(
            name,
            ServerArgs(
                role="dashboard",
                image="",
                image_id=hosting.image_id,
                flavor=args.flavor,
                network=network,
                security_groups=[firewall],
                public_address=address,
                cloud_config=CloudConfig(
                    "cloud-init/dashboard.yaml",
                    {
                        "archive": dashboard_archive(),
                        "auth_url": args.keystone_url,
                        "region": args.region,
                        "reader_user": READER,
                        "reader_password": project.passwords[READER],
                        "operator_password": operator_password.result,
                        "reader_project_id": project.project_id,
                        "prices": json.dumps(
                            {"cpu": prices.cpu, "ram": prices.ram, "storage": prices.storage}
                        ),
                    },
                ),
            ),
            inside,
        )
        self.url = pulumi.Output.concat("https://", address.address, "/")
        self.register_outputs({"url": self.url})
