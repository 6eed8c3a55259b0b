"""Pulumi mocks backed by a simulated OpenStack cloud.

``OpenStackMocks`` answers the way OpenStack would (ids, fixed IPs taken from
the subnet, VIPs from the VIP subnet, floating IPs, Heat outputs from the
template: ``components.mock_resources`` and ``components.mock_data_sources``),
so the values a program derives from them, cloud-init user data above all, are
really rendered and can be checked.

A resource type or data source the mocks do not know fails the run: a silent
``{}`` would let an unknown value reach the nodes as the text ``None``. Every
output the provider's schema says is always set gets a value of its type.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import pulumi

from components.mock_data_sources import INVOKES
from components.mock_resources import RESOURCES
from components.simulated_cloud import (
    REGION,
    TIMESTAMP,
    Cloud,
    OfflineError,
    Request,
    autoname,
    uid,
)
from components.wire import decode, reveal

__all__ = [
    "INVOKES",
    "RESOURCES",
    "OfflineError",
    "OpenStackMocks",
    "always_set_outputs",
    "sdk_class",
]


# --- the provider's schema: every always-set output gets a value of its type -------


@cache
def sdk_class(token: str, invoke: bool = False) -> type[Any]:
    """The Python class the SDK generated for a resource type (or a data source's result)."""
    package, module, name = token.split(":")
    if package == "pulumi":  # the engine's own resources (Stash) live in the SDK itself
        return getattr(importlib.import_module("pulumi"), name)  # type: ignore[no-any-return]
    path = f"pulumi_{package}" + ("" if module.startswith("index/") else "." + module.split("/")[0])
    target = importlib.import_module(path)
    if invoke:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        target = importlib.import_module(f"{path}.{snake}")
        return getattr(target, name[0].upper() + name[1:] + "Result")  # type: ignore[no-any-return]
    return getattr(target, name)  # type: ignore[no-any-return]


@cache
def always_set_outputs(token: str, invoke: bool = False) -> dict[str, Any]:
    """Wire name -> type of the outputs the schema does not mark optional."""
    cls = sdk_class(token, invoke)
    result = {}
    for _, prop in inspect.getmembers(cls, lambda m: isinstance(m, property)):
        wire = getattr(prop.fget, "_pulumi_name", None)
        hint = (prop.fget.__annotations__ or {}).get("return")
        if wire is None or hint is None:
            continue
        if isinstance(hint, str):  # invoke results annotate lazily
            if hint.startswith("Optional["):
                continue
            result[wire] = hint
            continue
        inner = typing.get_args(hint)[0] if typing.get_origin(hint) is pulumi.Output else hint
        if typing.get_origin(inner) is typing.Union:
            continue
        result[wire] = inner
    return result


def _typed_default(wire: str, hint: Any, r: Request) -> Any:
    origin = typing.get_origin(hint) or hint
    text = hint if isinstance(hint, str) else ""
    if origin is bool or text.endswith("bool"):
        return False
    if origin is int or text.endswith("int"):
        return 0
    if origin is float or text.endswith("float"):
        return 0.0
    if origin in (list, Sequence, typing.Sequence) or text.startswith("Sequence"):
        return []
    if origin in (dict, Mapping, typing.Mapping) or text.startswith("Mapping"):
        return {}
    if origin is not str and not text.endswith("str"):
        return {}
    if wire == "name":
        return autoname(r)
    if wire == "region":
        return REGION
    if wire.endswith("Id") or wire == "id":
        return uid(r.token, r.name, wire)
    if wire.endswith("At") or wire in ("created", "updated", "date", "lastModified"):
        return TIMESTAMP
    return ""


def fill_schema(r: Request, values: dict[str, Any], *, invoke: bool = False) -> dict[str, Any]:
    """``values`` completed with a typed value for every always-set output still missing."""
    filled = dict(values)
    for wire, hint in always_set_outputs(r.token, invoke).items():
        if filled.get(wire) is None:
            filled[wire] = _typed_default(wire, hint, r)
    return filled


# --- the mocks ----------------------------------------------------------------------


class OpenStackMocks(pulumi.runtime.Mocks):
    """Answers like an OpenStack cloud: what the program reads back must be real-looking.

    In preview mode nothing is computed, as in ``pulumi preview``: ids and
    attributes only the cloud can tell stay unknown (data sources still answer).
    """

    def __init__(self, preview: bool = False) -> None:
        self.preview = preview
        self.cloud = Cloud()
        self._ids: set[str] = set()

    def _new_id(self, token: str, name: str) -> str:
        """Stable per type and name; unique even when two parents reuse a child's name."""
        resource_id, n = uid(token, name), 1
        while resource_id in self._ids:
            resource_id, n = uid(token, name, n), n + 1
        self._ids.add(resource_id)
        return resource_id

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.custom is False:  # a component: nothing for the cloud to do
            return None, inputs
        if args.typ.startswith("pulumi:providers:"):
            return (None if self.preview else self._new_id(args.typ, args.name)), inputs
        handler = RESOURCES.get(args.typ)
        if handler is None:
            raise OfflineError(
                f"the simulated cloud does not know {args.typ} ({args.name}):"
                " add what OpenStack computes for it to components/mock_resources.py"
            )
        if self.preview:
            return None, inputs
        resource_id = args.resource_id or self._new_id(args.typ, args.name)
        request = Request(args.typ, args.name, resource_id, reveal(decode(inputs)))
        computed = handler(self.cloud, request)
        return resource_id, fill_schema(request, {**inputs, **computed})

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        handler = INVOKES.get(args.token)
        if handler is None:
            raise OfflineError(
                f"the simulated cloud does not answer {args.token}:"
                " add the data source to components/mock_data_sources.py"
            )
        request = Request(
            args.token, args.token.rsplit(":", 1)[-1], "", reveal(decode(dict(args.args)))
        )
        answer = {key: value for key, value in args.args.items() if value is not None}
        answer.update(handler(self.cloud, request))
        return fill_schema(request, answer, invoke=True), []
