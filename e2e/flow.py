"""The acceptance flow of one blueprint, day 1 and day 2, like Pulumi's ProgramTest.

generate -> the project's own venv (its requirements.txt, nothing else) -> for the first
declared stack: preview -> up -> verify in the cloud -> refresh --expect-no-changes ->
preview --expect-no-changes -> the update step (answers that force replacement and
re-configuration, `pulumi config set` + `pulumi up`) -> verify again -> every other
declared stack up next to it (same OpenStack project when the rights are the same) ->
verify all, no physical name shared -> per stack: destroy refused while data is protected,
the documented unprotect step, destroy, nothing left, stack rm.

Each stack runs with the rights its blueprint declares (``e2e/rights.py``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from e2e import cloud
from e2e.critical_path import creation_durations, critical_path
from e2e.events import Stamped, describe, operations, profile, replaced
from e2e.pulumi_cli import PulumiStack, StepFailed, tools_env
from e2e.rights import DeclaredStack, declared_stacks, system_scoped_env
from e2e.versions import verified_sdks
from generator.catalog import Blueprint
from generator.project import new_project

REPO = Path(__file__).resolve().parent.parent

PROTECTED_MESSAGE = re.compile(r"protect(ed|ion)", re.IGNORECASE)
"""Pulumi's refusal: "... cannot be deleted because it is protected" / "marked for protection"."""


@dataclass
class Outcome:
    blueprint: str
    ok: bool = False
    resources: int = 0
    stacks: dict[str, str] = field(default_factory=dict)
    """Stack name -> the rights it ran with."""
    checks: list[str] = field(default_factory=list)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    """Stack name -> step -> seconds."""
    critical_path_seconds: float = 0.0
    critical_path: list[str] = field(default_factory=list)
    update: dict[str, Any] = field(default_factory=dict)
    destroy_profile: dict[str, Any] = field(default_factory=dict)
    left_after_cleanup: list[str] = field(default_factory=list)
    error: str = ""


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def acceptance_module(blueprint: Blueprint) -> ModuleType:
    """``blueprints/<name>/acceptance.py``: answers for a local cloud and the checks."""
    path = blueprint.path / "acceptance.py"
    if not path.is_file():
        raise StepFailed(f"{blueprint.name} has no acceptance.py: it cannot be verified")
    spec = importlib.util.spec_from_file_location(
        f"acceptance_{blueprint.name.replace('-', '_')}", path
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_venv(project: Path) -> None:
    """The project's ``venv/`` from its own requirements.txt, as its README says.

    Nothing is pinned on the side: the versions the project installs must be the ones the
    engine's plugins were built for, or the run stops here.
    """
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin/python")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "-r", str(project / "requirements.txt")],
        check=True,
    )
    expected = verified_sdks()
    script = (
        "import importlib.metadata as m, json, sys; "
        "print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    )
    found = json.loads(
        subprocess.run(
            [python, "-c", script, *expected], check=True, capture_output=True, text=True
        ).stdout
    )
    if found != expected:
        raise StepFailed(f"the project installs {found}, the rig's plugins are for {expected}")


def config_values(blueprint: Blueprint, answers: dict[str, Any]) -> dict[str, str]:
    """``{config key: value}`` for ``pulumi config set`` from answers by parameter name; an
    object's fields become paths (``quotas.ports``), set one by one as a user would."""
    parameters = {parameter.name: parameter for parameter in blueprint.config_parameters}
    values = {}
    for name, value in answers.items():
        if name not in parameters:
            raise StepFailed(
                f"acceptance.py sets {name!r}, which {blueprint.name} has no parameter for"
            )
        key = parameters[name].config_key
        fields = value.items() if isinstance(value, dict) else [(None, value)]
        for field_name, field_value in fields:
            path = key if field_name is None else f"{key}.{field_name}"
            values[path] = _config_text(field_value)
    return values


def _config_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class BlueprintRun:
    """One blueprint's project and the stacks it has started (for the cleanup)."""

    def __init__(self, blueprint: Blueprint, work: Path, outcome: Outcome) -> None:
        self.blueprint = blueprint
        self.work = work
        self.outcome = outcome
        self.acceptance = acceptance_module(blueprint)
        self.declared = declared_stacks(blueprint.path)
        self.project = work / blueprint.name
        self.backend = work / f"{blueprint.name}-backend"
        self.started: dict[str, PulumiStack] = {}
        """Stacks initialised and not yet removed: what a cleanup must destroy."""
        self.opened: dict[str, PulumiStack] = {}
        self.deployed: dict[str, cloud.DeployedStack] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        self.conns: dict[str, Any] = {}

    def log(self, stack: str, step: str) -> Path:
        return self.work / f"{self.blueprint.name}-{stack}-{step}.jsonl"

    # -- steps -------------------------------------------------------------------------

    def generate(self) -> None:
        first = self.declared[0]
        answers = {**self.acceptance.ANSWERS, "stack": first.name}
        say(f"{self.blueprint.name}: generating with {answers}")
        self.project = new_project(self.blueprint.name, self.project, answers)
        say(f"{self.blueprint.name}: venv from the project's requirements.txt")
        make_venv(self.project)
        self.backend.mkdir(exist_ok=True)

    def open_stack(
        self, declared: DeclaredStack, copy_config_from: str | None = None
    ) -> PulumiStack:
        self.outcome.stacks[declared.name] = declared.rights
        env = tools_env(self.project, self.backend, declared.cloud)
        if declared.system_scoped:
            env = system_scoped_env(env)
        # A blueprint whose stacks run as identities it creates itself (a developer user
        # made by its team stack) names them: acceptance.stack_env(run, declared) -> env.
        stack_env = getattr(self.acceptance, "stack_env", None)
        if stack_env is not None:
            env.update(stack_env(self, declared))
        stack = PulumiStack(self.project, declared.name, env)
        stack.init(copy_config_from)
        self.started[declared.name] = stack
        self.opened[declared.name] = stack
        self.conns[declared.name] = (
            cloud.connect_system_admin(declared.cloud)
            if declared.system_scoped
            else cloud.connect(env["OS_CLOUD"])
        )
        return stack

    def up(self, stack: PulumiStack, step: str) -> list[Stamped]:
        say(f"{self.blueprint.name}/{stack.stack}: pulumi {step}")
        events = stack.up(step, self.log(stack.stack, step))
        self.deployed[stack.stack] = cloud.DeployedStack(stack.export(), stack.outputs())
        say(
            f"{self.blueprint.name}/{stack.stack}: {step} in {stack.timings[step]} s, "
            f"{len(self.deployed[stack.stack].resources)} resources"
        )
        return events

    def verify(self, name: str, when: str) -> None:
        checks = self.acceptance.verify(self.conns[name], self.deployed[name], self.answers[name])
        for check in checks:
            say(f"{self.blueprint.name}/{name}: ok  {check}")
        self.outcome.checks += [f"{name} ({when}): {check}" for check in checks]

    def first_stack(self) -> PulumiStack:
        declared = self.declared[0]
        stack = self.open_stack(declared)
        self.answers[declared.name] = dict(self.acceptance.ANSWERS)
        say(f"{self.blueprint.name}/{declared.name}: pulumi preview ({declared.rights})")
        stack.preview()
        self.up(stack, "up")
        deployed = self.deployed[declared.name]
        self.outcome.resources = len(deployed.resources)
        self.outcome.critical_path_seconds, self.outcome.critical_path = critical_path(
            deployed.state, creation_durations(self.log(declared.name, "up"))
        )
        self.verify(declared.name, "up")
        say(f"{self.blueprint.name}/{declared.name}: pulumi refresh --expect-no-changes")
        stack.refresh_expect_no_changes()
        stack.preview(expect_no_changes=True)
        return stack

    def after_up(self, stack: PulumiStack) -> None:
        """The blueprint's own day-2 step, if it has one (``acceptance.after_up(conn, stack,
        deployed)`` returns the checks that passed), then the state re-read, verified and
        previewed with no change expected."""
        hook = getattr(self.acceptance, "after_up", None)
        if hook is None:
            return
        name = stack.stack
        say(f"{self.blueprint.name}/{name}: the blueprint's day-2 step")
        start = time.perf_counter()
        checks = hook(self.conns[name], stack, self.deployed[name])
        stack.timings["after_up"] = round(time.perf_counter() - start, 2)
        self.deployed[name] = cloud.DeployedStack(stack.export(), stack.outputs())
        for check in checks:
            say(f"{self.blueprint.name}/{name}: ok  {check}")
            self.outcome.checks.append(f"{name} (day-2 step): {check}")
        self.verify(name, "after the day-2 step")
        stack.preview(expect_no_changes=True)

    def update_step(self, stack: PulumiStack) -> None:
        """Answers that force replacement and re-configuration, then `pulumi up` again."""
        changes: dict[str, Any] = dict(getattr(self.acceptance, "UPDATE", {}))
        if not changes:
            return
        say(f"{self.blueprint.name}/{stack.stack}: update step, pulumi config set {changes}")
        before = self.deployed[stack.stack]
        stack.config_set(config_values(self.blueprint, changes))
        events = self.up(stack, "update")
        self.answers[stack.stack].update(changes)
        urns = replaced(events)
        self.outcome.update = {
            "wall_s": stack.timings["update"],
            "replaced": len(urns),
            "replaced_resources": [describe(urn) for urn in urns],
            "operations": operations(events),
        }
        say(f"{self.blueprint.name}/{stack.stack}: update replaced {self.outcome.update}")
        self.verify(stack.stack, "after the update")
        after = self.deployed[stack.stack]
        for check in self.acceptance.verify_update(self.conns[stack.stack], before, after):
            say(f"{self.blueprint.name}/{stack.stack}: ok  {check}")
            self.outcome.checks.append(f"{stack.stack} (update): {check}")
        stack.preview(expect_no_changes=True)

    def other_stacks(self, first: PulumiStack) -> None:
        """Every other declared stack up while the first one still runs."""
        overrides: dict[str, dict[str, Any]] = getattr(self.acceptance, "STACK_CONFIG", {})
        for declared in self.declared[1:]:
            stack = self.open_stack(declared, copy_config_from=first.stack)
            changes = overrides.get(declared.name, {})
            stack.config_set(config_values(self.blueprint, changes))
            self.answers[declared.name] = {**self.answers[first.stack], **changes}
            self.up(stack, "up")
            self.verify(declared.name, f"up next to {first.stack}")
        if len(self.deployed) > 1:
            self.verify(first.stack, "with every stack up")
            self.no_shared_names()

    def no_shared_names(self) -> None:
        seen: dict[tuple[str, str], str] = {}
        shared = []
        for stack, deployed in self.deployed.items():
            for kind, names in cloud.physical_names(deployed).items():
                for name in names:
                    other = seen.setdefault((kind, name), stack)
                    if other != stack:
                        shared.append(f"{kind.split(':')[-1]} {name!r} ({other} and {stack})")
        if shared:
            raise AssertionError("stacks share physical names: " + "; ".join(sorted(shared)))
        check = f"stacks {', '.join(self.deployed)} up side by side, no physical name shared"
        say(f"{self.blueprint.name}: ok  {check}")
        self.outcome.checks.append(check)

    def teardown(self, stack: PulumiStack, unprotect_by_config: bool) -> None:
        """Destroy refused while data is protected, the documented unprotect, a clean destroy."""
        name = stack.stack
        if getattr(self.acceptance, "PROTECTS_DATA", False):
            say(f"{self.blueprint.name}/{name}: pulumi destroy must be refused (protected data)")
            refusal = stack.destroy_refused()
            if not PROTECTED_MESSAGE.search(refusal):
                raise AssertionError(f"destroy of {name} failed, not for protection:\n{refusal}")
            self.verify(name, "after the refused destroy")
            if unprotect_by_config:
                stack.config_set(config_values(self.blueprint, self.acceptance.UNPROTECT))
                self.up(stack, "unprotect")
            else:
                say(f"{self.blueprint.name}/{name}: pulumi state unprotect --all")
                stack.unprotect_all()
        conn = self.conns[name]
        baseline = (
            cloud.members_only_baseline(conn, self.deployed[name])
            if isinstance(conn, cloud.SystemAdminSession)
            else None
        )
        say(f"{self.blueprint.name}/{name}: pulumi destroy")
        events = stack.destroy(self.log(name, "destroy"))
        if not self.outcome.destroy_profile:
            self.outcome.destroy_profile = profile(events, stack.timings["destroy"]).as_record()
        left = cloud.leftovers(conn, self.deployed[name], baseline)
        if left:
            raise AssertionError(f"left in the cloud after destroying {name}: " + "; ".join(left))
        stack.remove()
        del self.started[name]
        self.outcome.checks.append(f"{name}: destroyed, nothing left in the cloud")

    def cleanup(self) -> None:
        """Leave the cloud as found even after a failure, and say what could not go."""
        for name, stack in reversed(list(self.started.items())):
            try:
                stack.run("cleanup-unprotect", "state", "unprotect", "--all", "--yes", check=False)
                stack.run("cleanup-destroy", "destroy", "--yes", "--skip-preview", check=False)
                if name in self.deployed:
                    self.outcome.left_after_cleanup += [
                        f"{name}: {left}"
                        for left in cloud.leftovers(self.conns[name], self.deployed[name])
                    ]
            except Exception as error:  # one stack's failed cleanup must not skip the next
                self.outcome.left_after_cleanup.append(f"{name}: cleanup failed: {error}")


def run_blueprint(blueprint: Blueprint, work: Path) -> Outcome:
    """The whole flow; any failure is reported in the outcome, after a cleanup."""
    outcome = Outcome(blueprint.name)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    run: BlueprintRun | None = None
    try:
        run = BlueprintRun(blueprint, work, outcome)
        run.generate()
        first = run.first_stack()
        run.after_up(first)
        run.update_step(first)
        run.other_stacks(first)
        order = list(run.started)
        if getattr(run.acceptance, "TEARDOWN_LAST_FIRST", False):  # later stacks use earlier ones
            order.reverse()
        for name in order:
            run.teardown(run.started[name], unprotect_by_config=name == run.declared[0].name)
        outcome.ok = True
    except Exception as error:  # one blueprint's failure (openstacksdk's too) stops only it
        outcome.error = f"{type(error).__name__}: {error}"
        say(f"{blueprint.name}: FAILED {outcome.error}")
        say("service logs:\n" + cloud.service_log_excerpt(since=started))
        if run is not None:
            run.cleanup()
            if outcome.left_after_cleanup:
                say(f"{blueprint.name}: LEFT after cleanup: {outcome.left_after_cleanup}")
    finally:
        if run is not None:
            outcome.timings = {name: dict(s.timings) for name, s in run.opened.items()}
    return outcome


def as_record(outcome: Outcome) -> dict[str, Any]:
    first = next(iter(outcome.timings.values()), {})
    up = first.get("up", 0.0)
    ratio = round(up / outcome.critical_path_seconds, 2) if outcome.critical_path_seconds else None
    return {
        "blueprint": outcome.blueprint,
        "ok": outcome.ok,
        "resources": outcome.resources,
        "stacks": outcome.stacks,
        "timings_s": outcome.timings,
        "critical_path_s": outcome.critical_path_seconds,
        "up_over_critical_path": ratio,
        "critical_path": [
            urn.split("::")[-2].split("$")[-1] + " " + urn.split("::")[-1]
            for urn in outcome.critical_path
        ],
        "update": outcome.update,
        "destroy_profile": outcome.destroy_profile,
        "checks": outcome.checks,
        "left_after_cleanup": outcome.left_after_cleanup,
        "error": outcome.error,
    }
