"""Reusable Pulumi components for OpenStack, vendored into every osbp project.

Each module holds one ``ComponentResource`` (or one family of them); a program
composes them the way the architecture diagram reads. The package depends on
Pulumi and its providers only.

Every component takes ``opts`` and places each child (``parent=self``) and each
lookup (``InvokeOptions(parent=self)``) under itself, so a component given an
explicit provider (``ResourceOptions(provider=...)``, see ``components.provider``)
builds everything through it. Physical names come from
``components.naming.physical_name``.

``pulumi destroy`` deletes in waves: resources of equal dependency depth in
parallel, one wave after the other, so each level of the graph costs its
slowest delete. A child that its parent's deletion removes anyway (rules of a
group, subnets of a network, members of a pool) is ``deleted_with`` the
parent: its wave costs no API call and no wait.
"""

from components.identity import KeystoneProject, KeystoneProjectArgs, ProjectQuotas, ProjectUser
from components.image import GlanceImage, GlanceImageArgs, pinned_image_id
from components.key_pair import GeneratedKeyPair, KeyPair, KeyPairArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs, PoolMember
from components.naming import physical_name
from components.network import PrivateNetwork, PrivateNetworkArgs, Router, RouterArgs
from components.object_storage import ObjectContainer, ObjectContainerArgs
from components.orchestration import HeatStack, HeatStackArgs, hot_template
from components.provider import (
    cloud_provider,
    project_provider,
    scoped_credentials_problem,
    system_provider,
)
from components.security_group import (
    IngressRule,
    NetworkRule,
    SecurityGroup,
    SecurityGroupArgs,
)
from components.server import (
    DataVolumeArgs,
    PortArgs,
    PublicAddress,
    PublicAddressArgs,
    Server,
    ServerArgs,
)
from components.user_data import CloudConfig

__all__ = [
    "CloudConfig",
    "DataVolumeArgs",
    "GeneratedKeyPair",
    "GlanceImage",
    "GlanceImageArgs",
    "HeatStack",
    "HeatStackArgs",
    "IngressRule",
    "KeyPair",
    "KeyPairArgs",
    "KeystoneProject",
    "KeystoneProjectArgs",
    "LoadBalancer",
    "LoadBalancerArgs",
    "NetworkRule",
    "ObjectContainer",
    "ObjectContainerArgs",
    "PoolMember",
    "PortArgs",
    "PrivateNetwork",
    "PrivateNetworkArgs",
    "ProjectQuotas",
    "ProjectUser",
    "PublicAddress",
    "PublicAddressArgs",
    "Router",
    "RouterArgs",
    "SecurityGroup",
    "SecurityGroupArgs",
    "Server",
    "ServerArgs",
    "cloud_provider",
    "hot_template",
    "physical_name",
    "pinned_image_id",
    "project_provider",
    "scoped_credentials_problem",
    "system_provider",
]
