"""Run this Pulumi program without a cloud and without the Pulumi CLI.

The Pulumi SDK's mocks stand in for the engine, ``components.mocks`` for the
cloud. ``RecordingMonitor`` keeps what the engine would see: parents,
dependencies, providers and inputs under their wire names.

Used by this project's tests and by ``osbp preview``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import runpy
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml

from components import sdk_internals as sdk
from components.mocks import OfflineError, OpenStackMocks
from components.wire import UNKNOWN, Secret, decode, mask, reveal

__all__ = [
    "RUNNER_API",
    "UNKNOWN",
    "Invocation",
    "OfflineError",
    "OfflineRun",
    "ProgramError",
    "Registration",
    "Secret",
    "StackConfig",
    "choose_stack",
    "mask",
    "read_stack_config",
    "reveal",
    "run_offline",
]

RUNNER_API = 2
"""Version of this runner's interface to ``osbp preview``; osbp refuses another one."""

DEFAULT_PROVIDER = "default"
"""Name of a default provider: ``...::pulumi:providers:openstack::default_5_5_3``."""


@dataclass
class Registration:
    """One resource as the engine would have registered it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    """URN of the provider the engine uses for it (``...::default`` when none was given);
    ``None`` for components."""


@dataclass
class Invocation:
    """One data-source call (``get_network``...) and the provider it went to."""

    token: str
    args: dict[str, Any]
    provider: str | None


@dataclass
class OfflineRun:
    """Everything a program registered, in a stable (URN) order, and its stack outputs."""

    project: str
    stack: str
    resources: list[Registration]
    outputs: dict[str, Any]
    invocations: list[Invocation] = field(default_factory=list)

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, type_token: str, name: str) -> Registration:
        matches = [r for r in self.of_type(type_token) if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources of type {type_token} named {name!r}")
        return matches[0]

    def by_id(self, resource_id: str) -> Registration:
        matches = [r for r in self.resources if r.id == resource_id]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources with id {resource_id!r}")
        return matches[0]


class ProgramError(OfflineError):
    """The program itself failed; the message names the file and line of the user's code."""


# --- the engine -------------------------------------------------------------------


class _DiagnosticFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a message comes (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def _program_log() -> logging.Logger:
    """Where ``pulumi.log.warn``/``error`` of the program go: ``warning: ...`` on stderr,
    as the CLI shows diagnostics (info and debug stay quiet)."""
    log = logging.getLogger("components.offline.program")
    if not log.handlers:
        handler = _StderrHandler()
        handler.setFormatter(_DiagnosticFormatter())
        log.addHandler(handler)
        log.setLevel(logging.WARNING)
        log.propagate = False
    return log


class RecordingMonitor(sdk.MockMonitor):  # type: ignore[misc]
    """A mock engine that also keeps parents, dependencies, providers and inputs.

    The SDK calls the monitor from worker threads and its mock monitor gives each
    thread an event loop that nothing closes (at exit that shows as "Exception
    ignored in BaseEventLoop.__del__"): this one creates those loops itself and
    ``close()`` closes them.
    """

    def __init__(
        self,
        mocks: pulumi.runtime.Mocks,
        disabled_defaults: frozenset[str] = frozenset(),
        *,
        project: str = "project",
        stack: str = "stack",
    ) -> None:
        super().__init__(mocks)
        # URNs are made on the SDK's worker threads, where some SDK releases do not see
        # the run's settings (``get_stack()`` answers "stack" there): keep them here.
        self.project, self.stack = project, stack
        self.disabled_defaults = disabled_defaults
        """Packages whose default provider the stack disables, as the engine enforces it."""
        self.registrations: dict[str, Registration] = {}
        self.invocations: list[Invocation] = []
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._urns: set[str] = set()
        self._lock = threading.Lock()

    def _thread_loop(self) -> None:
        if threading.current_thread() is threading.main_thread():
            return
        if sdk.thread_event_loop() is None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            with self._lock:
                self._loops.append(loop)

    def close(self) -> None:
        """Close the event loops of the worker threads (they are idle after a run)."""
        with self._lock:
            loops, self._loops = self._loops, []
        for loop in loops:
            loop.close()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine makes them: the root stack's type is not in its children's."""
        if parent and parent.split("::")[2] == "pulumi:pulumi:Stack":
            parent = ""
        if parent:
            type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self._thread_loop()
        if request.tok != "pulumi:pulumi:getResource":
            self.invocations.append(
                Invocation(
                    token=request.tok,
                    args=decode(sdk.deserialize(request.args)),
                    provider=self._provider_urn(request.provider, request.tok, request.version),
                )
            )
        return super().Invoke(request)

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        self._thread_loop()
        return super().ReadResource(request)

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802
        self._thread_loop()
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._lock:
            duplicate = urn in self._urns
            self._urns.add(urn)
        if duplicate:
            raise OfflineError(
                f"duplicate resource URN {urn}: name each {request.type} uniquely"
                " (the engine refuses two resources with one URN)"
            )
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        outputs = sdk.deserialize(response.object)
        if request.additionalSecretOutputs:
            # The engine, not the SDK, marks these secret (a password's ``result``).
            for key in request.additionalSecretOutputs:
                if key in outputs:
                    outputs[key] = sdk.wrap_secret(outputs[key])
            response.object.CopyFrom(sdk.serialize(outputs))
        custom = bool(request.custom)
        self.registrations[response.urn] = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=custom,
            dependencies=sorted(request.dependencies),
            property_dependencies={
                key: sorted(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            id=response.id or None,
            inputs=decode(sdk.deserialize(request.object)),
            outputs=decode(outputs),
            provider=(
                self._provider_urn(request.provider, request.type, request.version)
                if custom
                else None
            ),
        )
        return response

    def _provider_urn(self, reference: str, token: str, version: str) -> str | None:
        """``urn::id`` of an explicit provider -> its URN; none -> the default provider's
        URN as the engine names it (``default_5_5_3``)."""
        if reference:
            return reference.rsplit("::", 1)[0]
        package = token.split(":", 1)[0]
        if package == "pulumi":  # a provider resource itself
            return None
        if package in self.disabled_defaults:  # the engine's own words
            raise OfflineError(
                f"Default provider for '{package}' disabled. "
                f"'{token}' must use an explicit provider."
            )
        name = DEFAULT_PROVIDER + (f"_{version.replace('.', '_')}" if version else "")
        return f"urn:pulumi:{self.stack}::{self.project}::pulumi:providers:{package}::{name}"


def disabled_default_providers(values: Mapping[str, str]) -> frozenset[str]:
    """``pulumi:disable-default-providers`` of the stack config (a JSON list, ``*`` = all)."""
    text = values.get("pulumi:disable-default-providers", "")
    try:
        packages = json.loads(text) if text else []
    except json.JSONDecodeError:
        packages = [part.strip() for part in text.split(",")]
    if not isinstance(packages, list):
        raise OfflineError("pulumi:disable-default-providers: expected a list of packages")
    if "*" in packages:
        return frozenset({"openstack", "random"})
    return frozenset(str(package) for package in packages)


# --- the project --------------------------------------------------------------


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    values: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)
    """Keys (``project:key``) Pulumi treats as secret: declared ``secret: true`` or ``secure:``."""


def _load_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping, or an ``OfflineError`` naming the file and line."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise OfflineError(f"{path.name}{where}: invalid YAML: {problem}") from None
    if not isinstance(document, dict):
        raise OfflineError(f"{path.name}: expected a mapping at the top, not {document!r}")
    return document


def _section(document: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = document.get(key) or {}
    if not isinstance(value, dict):
        raise OfflineError(f"{path.name}: `{key}` must be a mapping of keys to values")
    return value


def choose_stack(project_dir: Path, stack: str | None = None) -> str:
    """The stack under test: ``stack``, else ``PULUMI_STACK``, else the answers file's
    ``stack`` (if its stack file exists), else the only ``Pulumi.<stack>.yaml``."""
    chosen = stack or os.environ.get("PULUMI_STACK")
    if chosen:
        return chosen
    answers_file = project_dir / ".osbp-answers.yml"
    if answers_file.is_file():
        answers = _section(_load_yaml(answers_file), "answers", answers_file).get("stack")
        if answers and (project_dir / f"Pulumi.{answers}.yaml").is_file():
            return str(answers)
    stacks = sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")
    )
    if len(stacks) != 1:
        raise OfflineError(
            f"choose a stack among {stacks or 'none'} in {project_dir} (set PULUMI_STACK)"
        )
    return stacks[0]


def mock_secret_config(key: str) -> str:
    """What a secret config value reads as offline: distinct per key, never the real one."""
    return "mock-secret-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def config_value_fits(type_name: str, value: Any) -> bool:
    """Pulumi's own type check of a stack value (``ValidateConfigValue``).

    ``pulumi config set`` writes every value as a string, so ``"true"``/``"false"`` are
    booleans and a decimal string is an integer, as the CLI accepts them.
    """
    if type_name == "integer":
        if isinstance(value, str):
            return re.fullmatch(r"[+-]?[0-9]+", value) is not None
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    expected = {"string": str, "array": list, "object": dict}.get(type_name)
    return expected is None or isinstance(value, expected)


def read_stack_config(project_dir: Path, stack: str | None = None) -> StackConfig:
    """Project defaults from ``Pulumi.yaml`` overlaid with ``Pulumi.<stack>.yaml``.

    Mocks see no ``Pulumi.yaml`` defaults, so they are applied here, and typed
    values are checked, the way the CLI does. Secret values (``secure:`` in the
    stack file, keys declared ``secret: true``) need the stack's key, which an
    offline run has not got: they read as ``mock_secret_config(key)``.
    """
    project_file = project_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise OfflineError(f"{project_dir} is not a Pulumi project (no Pulumi.yaml)")
    project_doc = _load_yaml(project_file)
    if not project_doc.get("name"):
        raise OfflineError(f"{project_file.name}: the project has no `name`")
    project = str(project_doc["name"])
    stack = choose_stack(project_dir, stack)
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise OfflineError(f"no stack file {stack_file.name} in {project_dir}")

    def full_key(key: str) -> str:
        return key if ":" in key else f"{project}:{key}"

    declared: dict[str, Mapping[str, Any]] = {}
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, spec in _section(project_doc, "config", project_file).items():
        spec = spec if isinstance(spec, Mapping) else {"default": spec}
        declared[full_key(key)] = spec
        if spec.get("secret"):
            secret_keys.add(full_key(key))
            values[full_key(key)] = mock_secret_config(full_key(key))
        elif "default" in spec or "value" in spec:
            values[full_key(key)] = _config_text(spec.get("default", spec.get("value")))
    stack_doc = _load_yaml(stack_file)
    for key, value in _section(stack_doc, "config", stack_file).items():
        key = full_key(key)
        if isinstance(value, Mapping) and "secure" in value:
            secret_keys.add(key)
            values[key] = mock_secret_config(key)
            continue
        spec = declared.get(key, {})
        if spec.get("secret"):
            raise OfflineError(
                f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's"
                f" secret: pulumi config set --secret {key.split(':', 1)[1]} <value>"
            )
        if not config_value_fits(str(spec.get("type", "")), value):
            raise OfflineError(
                f"{stack_file.name}: Stack '{stack}' with configuration key '{key}'"
                f" must be of type '{spec['type']}' (got {value!r})"
            )
        values[key] = _config_text(value)
    return StackConfig(project, stack, values, sorted(secret_keys))


def _config_text(value: Any) -> str:
    """Config reaches programs as strings: booleans the CLI's way, lists and maps as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return "" if value is None else str(value)


def _is_project_module(module: Any, project_dir: Path) -> bool:
    """A module of the project itself (``components``, ``settings``), not of its venv."""
    top = module.__name__.split(".", 1)[0]
    module_file = getattr(module, "__file__", None) or ""
    for own in (project_dir / top, project_dir / f"{top}.py"):
        if module_file == str(own) or module_file.startswith(str(own) + os.sep):
            return True
    return False


def _forget_shadowed_modules(project_dir: Path) -> dict[str, Any]:
    """Set aside modules of another project that this one's own modules shadow.

    A test process may have imported another project's ``components`` before
    (to load its runner, or a copy of this project's): this project must import
    its own. The modules set aside are returned, to be put back after the run:
    classes the caller already holds look their annotations up in them.
    """
    own = {p.stem for p in project_dir.glob("*.py") if p.stem != "__main__"} | {
        p.parent.name for p in project_dir.glob("*/__init__.py")
    }
    shadowed = {
        name: module
        for name, module in sys.modules.items()
        if name.split(".", 1)[0] in own and not _is_project_module(module, project_dir)
    }
    for name in shadowed:
        del sys.modules[name]
    return shadowed


@contextmanager
def _project_on_path(project_dir: Path) -> Iterator[None]:
    """Import the program's own modules, and forget them afterwards.

    Another project run later in the same process has modules of the same names
    (``components``, ``settings``). Only the project's own top-level modules are
    forgotten: a ``venv/`` inside the project holds the SDKs, which must be
    imported once per process (a provider package registers itself on import).
    The modules of another project that it shadowed are put back.
    """
    shadowed = _forget_shadowed_modules(project_dir)
    before = set(sys.modules)
    sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        sys.path.remove(str(project_dir))
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            if module is not None and _is_project_module(module, project_dir):
                del sys.modules[name]
        sys.modules.update(shadowed)


class _RunLoop:
    """A fresh event loop for the main thread, closed after the run.

    When the program fails, the SDK leaves futures holding the same error and
    tasks that will never finish; asyncio would print each ("exception was never
    retrieved", "Task was destroyed but it is pending") when they are collected,
    after the one-line error was reported. Those reports are dropped then.
    """

    def __init__(self) -> None:
        self.failed = False
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(self._handle)

    def _handle(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not self.failed:
            loop.default_exception_handler(context)

    def __enter__(self) -> _RunLoop:
        asyncio.set_event_loop(self.loop)
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.failed = kind is not None
        self.loop.close()
        asyncio.set_event_loop(None)


def run_offline(
    project_dir: str | Path,
    stack: str | None = None,
    *,
    preview: bool = False,
    config: Mapping[str, str] | None = None,
) -> OfflineRun:
    """Run ``__main__.py`` of ``project_dir`` under mocks and return what it registered.

    ``preview=True`` behaves like ``pulumi preview`` (cloud-computed values
    unknown); otherwise it simulates ``pulumi up`` so derived values are rendered.
    ``config`` overrides stack settings by key (``{"adminCidr": "192.0.2.0/24"}``).
    A failing program raises ``ProgramError`` (file and line of the user's code),
    a ``pulumi.RunError`` or a config error an ``OfflineError`` with its message.
    """
    try:
        sdk.check()
    except sdk.SdkMismatch as error:
        raise OfflineError(str(error)) from None
    project_dir = Path(project_dir).resolve()
    stack_config = read_stack_config(project_dir, stack)
    values = dict(stack_config.values)
    for key, value in (config or {}).items():
        values[key if ":" in key else f"{stack_config.project}:{key}"] = value
    program = project_dir / "__main__.py"
    if not program.is_file():
        raise OfflineError(f"{project_dir} has no __main__.py")
    mocks = OpenStackMocks(preview=preview)
    mocks.cloud.project_dir = project_dir
    monitor = RecordingMonitor(
        mocks,
        disabled_default_providers(values),
        project=stack_config.project,
        stack=stack_config.stack,
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run_program() -> None:
        runpy.run_path(str(program), run_name="__main__")

    with _RunLoop(), _project_on_path(project_dir), _without_cloud_credentials():
        try:
            sdk.reset_root_stack()
            pulumi.runtime.set_mocks(
                mocks,
                project=stack_config.project,
                stack=stack_config.stack,
                preview=preview,
                monitor=monitor,
                logger=_program_log(),
            )
            pulumi.runtime.set_all_config(values, stack_config.secret_keys)
            run_program()
            outputs = _stack_outputs()
        except Exception as error:  # turned into one line for a person
            raise _program_error(error, project_dir) from error
        finally:
            monitor.close()
    resources = sorted(monitor.registrations.values(), key=lambda r: r.urn)
    return OfflineRun(
        stack_config.project, stack_config.stack, resources, outputs, monitor.invocations
    )


@contextmanager
def _without_cloud_credentials() -> Iterator[None]:
    """Hide the caller's ``OS_*`` variables: an offline run reaches no cloud, so its result
    must not depend on which cloud (or which kind of credentials) the caller's shell holds."""
    hidden = {key: value for key, value in os.environ.items() if key.startswith("OS_")}
    for key in hidden:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(hidden)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _program_error(error: BaseException, project_dir: Path) -> OfflineError:
    """The error a person can act on, in one line, with the file and line of their code."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, OfflineError):
            return cause
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, pulumi.RunError | pulumi.ConfigMissingError | pulumi.ConfigTypeError):
        return OfflineError(_one_line(str(error)))
    if isinstance(error, SyntaxError) and error.filename:
        where = _relative(Path(error.filename), project_dir)
        return ProgramError(f"{where}:{error.lineno}: SyntaxError: {error.msg}")
    project_frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if _is_project_code(Path(frame.filename), project_dir)
    ]
    # The program's own line first; a line of the vendored components otherwise.
    program_frames = [
        f for f in project_frames if not f.filename.startswith(str(project_dir / "components"))
    ]
    message = _one_line(str(error)) or type(error).__name__
    frames = program_frames or project_frames
    if not frames:
        return ProgramError(f"{type(error).__name__}: {message}")
    frame = frames[-1]
    where = _relative(Path(frame.filename), project_dir)
    return ProgramError(f"{where}:{frame.lineno}: {type(error).__name__}: {message}")


def _is_project_code(path: Path, project_dir: Path) -> bool:
    try:
        relative = path.resolve().relative_to(project_dir)
    except (ValueError, OSError):
        return False
    return not {"site-packages", "dist-packages"} & set(relative.parts)


def _relative(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir).as_posix()
    except (ValueError, OSError):
        return str(path)


def _stack_outputs() -> dict[str, Any]:
    exported = sdk.stack_exports()
    return {name: sdk.sync_await(_resolve(value)) for name, value in sorted(exported.items())}


async def _resolve(value: Any) -> Any:
    output = pulumi.Output.from_input(value)
    if not await output.is_known():
        return UNKNOWN
    resolved = decode(await output.future())
    return Secret(resolved) if await output.is_secret() else resolved
