"""Physical names of cloud resources: ``<project>-<stack>-<name>``.

Logical names (the first argument of a resource) are unique within one stack;
OpenStack names are shared by every stack of every project in one OpenStack
project. Carrying the Pulumi project and stack in the physical name lets two
stacks of one program (``dev`` and ``prod``) live side by side, and tells an
operator reading ``openstack server list`` which stack owns what.
"""

from __future__ import annotations

import hashlib

import pulumi

OPENSTACK_NAME_LIMIT = 255
"""Nova, Neutron, Cinder, Glance, Octavia, Heat and Keystone users and keypairs."""
KEYSTONE_PROJECT_NAME_LIMIT = 64
"""Keystone projects (and domains) allow 64 characters only."""
_HASH_LENGTH = 8


def physical_name(name: str, max_length: int = OPENSTACK_NAME_LIMIT) -> str:
    """``<project>-<stack>-<name>``, shortened with a stable hash to fit ``max_length``.

    A shortened name keeps its beginning (project and stack, what an operator
    sorts by) and ends with the first characters of the full name's SHA-256, so
    two long names that share a prefix still differ.
    """
    full = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
    return shorten(full, max_length)


def shorten(full: str, max_length: int) -> str:
    """``full`` itself when it fits, else a prefix, ``-`` and a short hash of ``full``."""
    if max_length <= _HASH_LENGTH + 1:
        raise ValueError(f"a name limit of {max_length} leaves no room for a hash")
    if len(full) <= max_length:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:_HASH_LENGTH]
    return f"{full[: max_length - _HASH_LENGTH - 1]}-{digest}"
