"""Reusable Pulumi components for OpenStack, vendored into every osbp project.

Each module holds one ``ComponentResource``; a program composes them the way the
architecture diagram reads. The package depends on Pulumi and its providers only.
"""

from components.network import PrivateNetwork, PrivateNetworkArgs, Router, RouterArgs
from components.security_group import IngressRule, SecurityGroup, SecurityGroupArgs
from components.server import (
    DataVolumeArgs,
    PublicAddress,
    PublicAddressArgs,
    Server,
    ServerArgs,
)
from components.user_data import CloudConfig

__all__ = [
    "CloudConfig",
    "DataVolumeArgs",
    "IngressRule",
    "PrivateNetwork",
    "PrivateNetworkArgs",
    "PublicAddress",
    "PublicAddressArgs",
    "Router",
    "RouterArgs",
    "SecurityGroup",
    "SecurityGroupArgs",
    "Server",
    "ServerArgs",
]
