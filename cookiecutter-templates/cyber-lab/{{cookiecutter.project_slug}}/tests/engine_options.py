"""What the engine receives beyond inputs: each resource's provider and options.

``components.offline`` records inputs, parents and dependencies. The tests of
replacement, protection, destroy order and explicit providers also need
``protect``, ``delete_before_replace``, ``deleted_with``, ``replace_on_changes``,
the replacement trigger and the provider of every resource and invoke, which
Pulumi's mocks do not pass on to ``Mocks``; ``OptionsMonitor`` keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest
from pulumi.runtime import settings as pulumi_settings

from components import offline
from components.mocks import OpenStackMocks


@dataclass(frozen=True)
class EngineOptions:
    urn: str
    type: str
    name: str
    parent: str
    provider: str
    """Provider reference (``<provider urn>::<id>``); empty means the default provider."""
    protect: bool
    delete_before_replace: bool
    deleted_with: str
    """URN of the resource whose deletion makes this one's delete call unnecessary."""
    depends_on: tuple[str, ...]
    replace_on_changes: tuple[str, ...]
    replacement_trigger: str | None


@dataclass(frozen=True)
class Invocation:
    token: str
    provider: str


class OptionsMonitor(offline.RecordingMonitor):
    """``RecordingMonitor`` that also keeps options and invokes."""

    def __init__(self, mocks: pulumi.runtime.Mocks, *args: Any, **kwargs: Any) -> None:
        super().__init__(mocks, *args, **kwargs)
        self.options: dict[str, EngineOptions] = {}
        self.invokes: list[Invocation] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            # The components' triggers are strings (an image name).
            trigger = (
                request.replacement_trigger.string_value
                if request.HasField("replacement_trigger")
                else None
            )
            self.options[response.urn] = EngineOptions(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                provider=request.provider,
                protect=bool(request.protect),
                delete_before_replace=bool(request.deleteBeforeReplace),
                deleted_with=request.deletedWith,
                depends_on=tuple(sorted(request.dependencies)),
                replace_on_changes=tuple(request.replaceOnChanges),
                replacement_trigger=trigger,
            )
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self.invokes.append(Invocation(request.tok, request.provider))
        return super().Invoke(request)

    def named(self, type_token: str, name: str) -> EngineOptions:
        (match,) = [o for o in self.options.values() if o.type == type_token and o.name == name]
        return match


@contextmanager
def recording_options() -> Iterator[list[OptionsMonitor]]:
    """Within the block, every ``run_offline`` also records options (one monitor per run)."""
    monitors: list[OptionsMonitor] = []

    class Monitor(OptionsMonitor):
        def __init__(self, mocks: pulumi.runtime.Mocks, *args: Any, **kwargs: Any) -> None:
            super().__init__(mocks, *args, **kwargs)
            monitors.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(offline, "RecordingMonitor", Monitor)
        yield monitors


def run_under_mocks(
    build: Callable[[], object],
    mocks: OpenStackMocks | None = None,
    *,
    project: str = "shop",
    stack: str = "staging",
) -> OptionsMonitor:
    """Run ``build`` (a few components) as a program of ``project``/``stack``."""
    mocks = mocks or OpenStackMocks()
    monitor = OptionsMonitor(mocks, project=project, stack=stack)
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config({}, [])

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        build()

    program()
    return monitor
