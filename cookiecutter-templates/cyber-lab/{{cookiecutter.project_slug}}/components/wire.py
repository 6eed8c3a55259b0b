"""Values as the Pulumi engine carries them, turned into plain Python.

Secrets stay wrapped (``Secret``) so that what is shown to a person can be
masked and what a test must read can be revealed; unknowns become ``UNKNOWN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import sdk_internals as sdk

UNKNOWN = "(known after apply)"
"""How a value that only the cloud can tell (an id, an address) is shown in a preview."""


@dataclass(frozen=True)
class Secret:
    """A value Pulumi treats as secret; render it masked unless asked otherwise."""

    value: Any


def decode(value: Any) -> Any:
    """Turn wire values into plain Python: secrets wrapped, unknowns as ``UNKNOWN``."""
    if sdk.is_secret_wire(value):
        return Secret(decode(value.get("value")))
    if isinstance(value, dict):
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    if sdk.is_unknown_wire(value):
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def reveal(value: Any) -> Any:
    """Unwrap every ``Secret`` (for tests that must read the rendered text)."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def mask(value: Any, placeholder: str = "[secret]") -> Any:
    """Replace every ``Secret`` by ``placeholder``: what may be shown to a person."""
    if isinstance(value, Secret):
        return placeholder
    if isinstance(value, dict):
        return {key: mask(item, placeholder) for key, item in value.items()}
    if isinstance(value, list):
        return [mask(item, placeholder) for item in value]
    return value
