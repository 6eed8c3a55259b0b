"""The private parts of the Pulumi Python SDK that the offline runner relies on.

Pulumi's public mocks (``set_mocks``, ``Mocks``, ``MockMonitor``) do not hand back
parents, dependencies, secret markers, the provider of a resource or the stack's
exports. Those come from names the SDK does not promise to keep. Every such use
goes through this module, and ``check()`` says in one line what moved, so an SDK
upgrade fails here, clearly, instead of deep in a test.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable
from importlib.metadata import version
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import rpc as _rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime import sync_await as _sync

T = TypeVar("T")

SUPPORTED_SDK = "pulumi==3.259.0"
"""The SDK releases whose internals this module was checked against."""

MockMonitor: type[Any] = _mocks.MockMonitor
"""Base class of the recording engine; its gRPC-shaped methods are overridden."""

MONITOR_METHODS = ("RegisterResource", "ReadResource", "Invoke", "make_urn")
"""``MockMonitor`` members the runner overrides or calls."""

_REQUIRED: dict[str, tuple[object, str]] = {
    "rpc._special_sig_key": (_rpc, "_special_sig_key"),
    "rpc._special_secret_sig": (_rpc, "_special_secret_sig"),
    "rpc.UNKNOWN": (_rpc, "UNKNOWN"),
    "rpc.deserialize_properties": (_rpc, "deserialize_properties"),
    "rpc.serialize_properties": (_rpc, "serialize_properties"),
    "rpc.wrap_rpc_secret": (_rpc, "wrap_rpc_secret"),
    "sync_await._sync_await": (_sync, "_sync_await"),
    "settings.ROOT": (_settings, "ROOT"),
    "settings.get_root_resource": (_settings, "get_root_resource"),
    "output.Unknown": (pulumi.output, "Unknown"),
    **{f"MockMonitor.{name}": (_mocks.MockMonitor, name) for name in MONITOR_METHODS},
}


class SdkMismatch(RuntimeError):
    """The installed Pulumi SDK no longer has what the offline runner needs."""


def check() -> None:
    """Raise ``SdkMismatch`` naming every private SDK name that moved."""
    missing = [label for label, (owner, name) in _REQUIRED.items() if not hasattr(owner, name)]
    if not missing and not isinstance(_settings.ROOT, contextvars.ContextVar):
        missing.append("settings.ROOT (no longer a ContextVar)")
    if missing:
        raise SdkMismatch(
            f"pulumi {version('pulumi')} moved what the offline runner uses "
            f"({', '.join(missing)}); components/sdk_internals.py supports {SUPPORTED_SDK}"
        )


# --- the wire format -----------------------------------------------------------


def is_secret_wire(value: Any) -> bool:
    """A secret as it travels between SDK and engine (a signature-tagged dict)."""
    return isinstance(value, dict) and value.get(_rpc._special_sig_key) == _rpc._special_secret_sig


def is_unknown_wire(value: Any) -> bool:
    """An unknown as the engine sends it (preview), or as the SDK holds it."""
    return (isinstance(value, str) and value == _rpc.UNKNOWN) or isinstance(
        value, pulumi.output.Unknown
    )


def wrap_secret(value: Any) -> Any:
    return _rpc.wrap_rpc_secret(value)


def deserialize(struct: Any) -> Any:
    """A protobuf Struct as Python values, unknowns kept."""
    return _rpc.deserialize_properties(struct, keep_unknowns=True)


def serialize(properties: dict[str, Any]) -> Any:
    """Python values as a protobuf Struct (the engine's answer)."""
    return sync_await(_rpc.serialize_properties(properties, {}))


# --- the event loop and the program's root ------------------------------------------


def sync_await(awaitable: Awaitable[T]) -> T:
    """Wait for ``awaitable`` on the SDK's loop, even from inside a running one."""
    result: T = _sync._sync_await(awaitable)
    return result


def reset_root_stack() -> None:
    """Forget the previous program's root ``Stack`` (it outlives a run in one process)."""
    _settings.ROOT.set(None)


def stack_exports() -> dict[str, Any]:
    """What the program passed to ``pulumi.export`` (mocks are not told about exports)."""
    root = _settings.get_root_resource()
    return dict(getattr(root, "outputs", {}) or {})


def thread_event_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop set on the calling thread, if it has a usable one."""
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None
    return None if loop.is_closed() else loop
