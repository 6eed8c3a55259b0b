"""The acceptance rig's own logic, without a cloud: pins, probes, stacks, selection, failures."""

from __future__ import annotations

import dataclasses
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from e2e import cloud, flow
from e2e.__main__ import main, run_all, select
from e2e.events import operations, profile, replaced
from e2e.pulumi_cli import StepFailed
from e2e.rights import CLOUDS, StacksError, declared_stacks, system_scoped_env
from e2e.versions import parse_pins, project_requirements, verified_sdks
from generator.catalog import get_blueprint, list_blueprints
from generator.errors import UnknownBlueprintError

REPO = Path(__file__).resolve().parent.parent
LOCK_SH = REPO / "sandbox/lib/lock.sh"


# -- what users install is what the rig verified -------------------------------------------


def test_generated_requirements_pin_exactly_the_sdks_the_acceptance_run_verifies() -> None:
    assert project_requirements() == verified_sdks()
    assert set(verified_sdks()) == {"pulumi", "pulumi-openstack", "pulumi-random"}


def test_osbp_runs_previews_with_the_same_sdks() -> None:
    """osbp runs a project's program in its own process: it must have the project's SDKs."""
    import tomllib

    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = parse_pins([d for d in dependencies if d.startswith("pulumi")], "pyproject.toml")
    assert pins == verified_sdks()


def test_a_range_in_the_requirements_is_refused() -> None:
    with pytest.raises(ValueError, match="not an exact pin"):
        parse_pins(["pulumi>=3.231,<4"], "requirements.txt")


# -- the leftover check never passes by not looking ----------------------------------------


def deployed(*resources: tuple[str, str, str]) -> cloud.DeployedStack:
    state = {
        "deployment": {
            "resources": [
                {
                    "urn": f"urn:pulumi:dev::p::{kind}::{name}",
                    "type": kind,
                    "id": rid,
                    "custom": True,
                }
                for kind, name, rid in resources
            ]
        }
    }
    return cloud.DeployedStack(state, {})


class FakeNetwork:
    def __init__(self, existing: set[str]) -> None:
        self.existing = existing

    def find_network(self, resource_id: str, ignore_missing: bool) -> object | None:
        assert ignore_missing
        return object() if resource_id in self.existing else None


class FakeConnection:
    def __init__(self, networks: set[str]) -> None:
        self.network = FakeNetwork(networks)


def test_a_type_without_a_probe_is_a_leftover_not_a_pass() -> None:
    stack = deployed(("openstack:dns/zone:Zone", "site", "z-1"))
    (left,) = cloud.leftovers(FakeConnection(set()), stack)
    assert "openstack:dns/zone:Zone site" in left and "no probe" in left


def test_leftovers_report_what_the_cloud_still_has_and_skip_state_only_types() -> None:
    stack = deployed(
        ("openstack:networking/network:Network", "frontend", "n-1"),
        ("openstack:networking/network:Network", "backend", "n-2"),
        ("random:index/randomPassword:RandomPassword", "db-password", "none"),
    )
    left = cloud.leftovers(FakeConnection({"n-2"}), stack)
    assert left == ["openstack:networking/network:Network backend (n-2)"]


def test_every_type_of_the_wordpress_graph_has_a_probe(tmp_path: Path) -> None:
    """The types `osbp preview --json` lists (keypair path too) are all probed or state-only."""
    import json

    blueprint = get_blueprint("wordpress-3tier")
    example = blueprint.examples["admin-access"]
    osbp = str(REPO / ".venv/bin/osbp")
    subprocess.run(
        [
            osbp,
            "new",
            "wordpress-3tier",
            "--no-input",
            "-o",
            str(tmp_path),
            "--set",
            f"public_key={example['public_key']}",
            "--set",
            "admin_cidr=192.0.2.0/24",
        ],
        check=True,
        capture_output=True,
    )
    preview = subprocess.run(
        [osbp, "preview", "--json", str(tmp_path / "wordpress-3tier")],
        check=True,
        capture_output=True,
        text=True,
    )
    types = {r["type"] for r in json.loads(preview.stdout)["resources"]}
    custom = {t for t in types if not t.startswith(("osbp:", "pulumi:"))}
    assert "openstack:compute/keypair:Keypair" in custom
    assert custom <= set(cloud.PROBES) | cloud.NOT_IN_THE_CLOUD, custom - set(cloud.PROBES)


# -- stacks and rights ---------------------------------------------------------------------


def test_wordpress_declares_dev_and_prod_as_members() -> None:
    stacks = declared_stacks(get_blueprint("wordpress-3tier").path)
    assert [(s.name, s.rights, s.cloud) for s in stacks] == [
        ("dev", "member", "osbp-sandbox-member"),
        ("prod", "member", "osbp-sandbox-member"),
    ]


def test_a_system_admin_stack_authenticates_with_unscoped_os_variables(
    tmp_path: Path,
) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  osbp-sandbox:\n    auth: {auth_url: 'http://127.0.0.1:5000/v3',"
        " username: admin, password: s3cret, project_name: admin,"
        " user_domain_name: Default, project_domain_name: Default}\n"
        "    region_name: RegionOne\n"
    )
    env = {
        "OS_CLOUD": "osbp-sandbox",
        "OS_CLIENT_CONFIG_FILE": str(clouds),
        "OS_SYSTEM_SCOPE": "all",
        "PATH": "/bin",
    }
    scoped = system_scoped_env(env)
    assert "OS_CLOUD" not in scoped
    assert {k: v for k, v in scoped.items() if k.startswith("OS_") and "FILE" not in k} == {
        "OS_AUTH_URL": "http://127.0.0.1:5000/v3",
        "OS_USERNAME": "admin",
        "OS_PASSWORD": "s3cret",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_REGION_NAME": "RegionOne",
        "OS_INTERFACE": "public",
        "OS_IDENTITY_API_VERSION": "3",
    }
    assert scoped["PATH"] == "/bin"


@pytest.mark.parametrize(
    ("stacks", "message"),
    [
        ("", "no stacks"),
        ("stacks:\n  - {name: dev, rights: owner}\n", "rights must be one of"),
        ("stacks:\n  - {rights: member}\n", "needs a name"),
        ("stacks:\n  - {name: a, rights: member}\n  - {name: a, rights: reader}\n", "repeat"),
    ],
)
def test_malformed_stacks_are_refused(tmp_path: Path, stacks: str, message: str) -> None:
    (tmp_path / "blueprint.yaml").write_text("name: x\n" + stacks)
    with pytest.raises(StacksError, match=message):
        declared_stacks(tmp_path)


def test_each_persona_has_a_clouds_yaml_entry_written_by_the_sandbox() -> None:
    up = (REPO / "sandbox/up.sh").read_text()
    for rights, name in CLOUDS.items():
        suffix = name.removeprefix("osbp-sandbox")
        assert f'"$CLOUD_NAME{suffix}"' in up, rights


def test_config_values_use_the_config_keys_and_refuse_unknown_parameters() -> None:
    blueprint = get_blueprint("wordpress-3tier")
    assert flow.config_values(blueprint, {"db_flavor": "m1.medium", "db_volume_size": 2}) == {
        "dbFlavor": "m1.medium",
        "dbVolumeSize": "2",
    }
    with pytest.raises(StepFailed, match="no parameter"):
        flow.config_values(blueprint, {"no_such_answer": True})


def test_config_values_set_an_objects_fields_by_path() -> None:
    blueprint = get_blueprint("dev-platform")
    values = flow.config_values(blueprint, {"quotas": {"ports": 12, "gigabytes": 24}})
    assert values == {"quotas.ports": "12", "quotas.gigabytes": "24"}


# -- the catalog, one blueprint at a time ---------------------------------------------------


def test_no_name_selects_the_whole_catalog_and_names_pick() -> None:
    assert [b.name for b in select([])] == [b.name for b in list_blueprints()]
    assert [b.name for b in select(["wordpress-3tier"])] == ["wordpress-3tier"]
    with pytest.raises(UnknownBlueprintError):
        select(["wordpress"])


def test_an_unknown_blueprint_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-blueprint"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown blueprint") and err.count("\n") == 1


class SDKException(Exception):
    """Stands in for openstacksdk's exceptions (plain Exception subclasses; the fast suite's
    venv has no openstacksdk)."""


class ResourceTimeout(SDKException):
    pass


def test_one_blueprints_crash_does_not_stop_the_others() -> None:
    ran = []

    def run_one(blueprint: Any) -> flow.Outcome:
        ran.append(blueprint.name)
        if len(ran) == 1:
            raise SDKException("Neutron went away")
        return flow.Outcome(blueprint.name, ok=True)

    wordpress = get_blueprint("wordpress-3tier")
    outcomes = run_all([wordpress, wordpress], run_one)
    assert len(ran) == 2
    assert [o.ok for o in outcomes] == [False, True]
    assert "SDKException: Neutron went away" in outcomes[0].error


class RecordingStack:
    def __init__(self, name: str) -> None:
        self.stack = name
        self.commands: list[tuple[str, ...]] = []
        self.timings: dict[str, float] = {}

    def run(self, step: str, *args: str, check: bool = True) -> None:
        self.commands.append(args)


def test_a_failing_step_is_reported_and_its_stacks_are_cleaned_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stacks = [RecordingStack("dev"), RecordingStack("prod")]
    monkeypatch.setattr(flow.BlueprintRun, "generate", lambda self: None)

    def first_stack(self: flow.BlueprintRun) -> None:
        for stack in stacks:
            self.started[stack.stack] = stack  # type: ignore[assignment]
            self.opened[stack.stack] = stack  # type: ignore[assignment]
        raise ResourceTimeout("volume never became available")

    monkeypatch.setattr(flow.BlueprintRun, "first_stack", first_stack)
    monkeypatch.setenv("OSBP_SANDBOX_DIR", str(tmp_path))
    outcome = flow.run_blueprint(get_blueprint("wordpress-3tier"), tmp_path)
    assert not outcome.ok
    assert outcome.error.startswith("ResourceTimeout: volume never became available")
    for stack in stacks:  # protected data is unprotected first, then everything destroyed
        assert stack.commands == [
            ("state", "unprotect", "--all", "--yes"),
            ("destroy", "--yes", "--skip-preview"),
        ]
    assert set(outcome.timings) == {"dev", "prod"}


# -- engine events ---------------------------------------------------------------------------


def pre(urn: str, op: str) -> dict[str, Any]:
    return {"resourcePreEvent": {"metadata": {"urn": urn, "op": op}}}


def post(urn: str, op: str) -> dict[str, Any]:
    return {"resOutputsEvent": {"metadata": {"urn": urn, "op": op}}}


def test_replacements_are_counted_once_per_resource_whatever_the_order() -> None:
    events = [
        (0.1, pre("urn:a::mysql", "delete-replaced")),
        (0.2, pre("urn:a::mysql", "replace")),
        (0.3, pre("urn:a::mysql", "create-replacement")),
        (0.4, pre("urn:a::wordpress", "replace")),
        (0.5, pre("urn:a::router", "same")),
        (0.6, pre("urn:a::group", "update")),
    ]
    assert replaced(events) == ["urn:a::mysql", "urn:a::wordpress"]
    assert operations(events) == {
        "delete-replaced": 1,
        "replace": 2,
        "create-replacement": 1,
        "update": 1,
    }


def test_profile_splits_a_destroy_into_start_up_steps_and_tail() -> None:
    events = [
        (1.0, {"preludeEvent": {}}),
        (2.5, pre("urn:x::attach", "delete")),
        (5.5, post("urn:x::attach", "delete")),
        (5.6, pre("urn:x::server", "delete")),
        (9.0, post("urn:x::server", "delete")),
        (9.2, {"summaryEvent": {}}),
    ]
    record = profile(events, total_s=10.0).as_record()
    assert record["engine_start_s"] == 1.0
    assert record["provider_start_s"] == 1.5
    assert record["resource_steps_s"] == 6.5
    assert record["tail_s"] == 1.0
    assert record["serial_sum_s"] == 6.4
    assert list(record["slowest"]) == ["x server", "x attach"]
    assert record["waves"] == [
        {"s": 3.0, "slowest": "x attach"},
        {"s": 3.4, "slowest": "x server"},
    ]


def test_destroy_waves_are_the_steps_that_start_when_every_earlier_one_ended() -> None:
    events = [
        (0.5, pre("urn:x::server-a", "delete")),
        (0.5, pre("urn:x::fip-assoc", "delete")),
        (0.6, pre("urn:x::server-b", "delete")),
        (2.5, post("urn:x::fip-assoc", "delete")),
        (4.6, post("urn:x::server-a", "delete")),
        (5.0, post("urn:x::server-b", "delete")),
        (5.0, pre("urn:x::port", "delete")),
        (5.02, pre("urn:x::router-interface", "delete")),
        (6.5, post("urn:x::port", "delete")),
        (8.0, post("urn:x::router-interface", "delete")),
        (8.0, pre("urn:x::subnet", "delete")),
        (8.01, post("urn:x::subnet", "delete")),
        (8.02, pre("urn:x::rule", "delete")),
        (8.02, post("urn:x::rule", "delete")),
        (8.03, pre("urn:x::volume", "delete")),
        (11.23, post("urn:x::volume", "delete")),
    ]
    waves = profile(events, total_s=11.5).waves()
    assert [(round(s, 2), what) for s, what in waves] == [
        (4.5, "x server-b"),
        (3.0, "x router-interface"),
        (3.23, "x volume"),
    ]


# -- one sandbox user at a time --------------------------------------------------------------


def lock_script(what: str) -> str:
    return f'. "{LOCK_SH}"; sandbox_lock "{what}"; echo got-it'


def hold_lock(lock: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        ["bash", "-c", f"{lock_script('make e2e')}; sleep {seconds}"],
        env={"PATH": "/usr/bin:/bin", "OSBP_SANDBOX_LOCK": str(lock)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "got-it"
    return holder


def test_a_second_run_refuses_with_one_line_when_told_not_to_wait(tmp_path: Path) -> None:
    lock = tmp_path / "sandbox.lock"
    holder = hold_lock(lock, 30)
    try:
        second = subprocess.run(
            ["bash", "-c", lock_script("sandbox up")],
            env={
                "PATH": "/usr/bin:/bin",
                "OSBP_SANDBOX_LOCK": str(lock),
                "OSBP_SANDBOX_LOCK_WAIT": "no",
            },
            capture_output=True,
            text=True,
        )
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 2 and second.stdout == ""
    assert second.stderr.count("\n") == 1
    assert second.stderr.startswith("error: the sandbox is in use by make e2e (pid ")


def test_a_second_run_waits_for_the_first(tmp_path: Path) -> None:
    lock = tmp_path / "sandbox.lock"
    holder = hold_lock(lock, 1.5)
    started = time.monotonic()
    second = subprocess.run(
        ["bash", "-c", lock_script("sandbox up")],
        env={"PATH": "/usr/bin:/bin", "OSBP_SANDBOX_LOCK": str(lock)},
        capture_output=True,
        text=True,
    )
    holder.wait()
    assert second.returncode == 0 and second.stdout == "got-it\n"
    assert time.monotonic() - started >= 1.0
    assert "in use by make e2e" in second.stderr and "waiting" in second.stderr


def test_the_holders_children_pass_and_its_daemons_do_not_keep_the_lock(tmp_path: Path) -> None:
    """e2e/run.sh holds the lock while it runs up.sh and down.sh; daemons do not keep it."""
    lock = tmp_path / "sandbox.lock"
    script = textwrap.dedent(
        f"""
        . "{REPO}/sandbox/lib/common.sh"
        mkdir -p "$RUN" "$LOG"
        {lock_script("make e2e")}
        bash -c '{lock_script("sandbox up")}'
        start_bg daemon sleep 30
        sleep 0.3
        """
    )
    run = subprocess.run(
        ["bash", "-c", script],
        env={
            "PATH": "/usr/bin:/bin",
            "OSBP_SANDBOX_LOCK": str(lock),
            "OSBP_SANDBOX_DIR": str(tmp_path / "state"),
        },
        capture_output=True,
        text=True,
        timeout=10,
    )
    daemon = int((tmp_path / "state/run/daemon.pid").read_text())
    try:
        assert run.stdout == "got-it\ngot-it\n", run.stderr
        free = subprocess.run(["flock", "-n", str(lock), "true"], check=False)
        assert free.returncode == 0, "a daemon started by the holder kept the lock"
    finally:
        subprocess.run(["kill", str(daemon)], check=False)


def test_sandbox_daemons_inherit_no_lock_of_their_caller(tmp_path: Path) -> None:
    """`flock FILE make sandbox-up` must not leave FILE locked by the cloud's daemons."""
    script = textwrap.dedent(
        f"""
        set -e
        . "{REPO}/sandbox/lib/common.sh"
        mkdir -p "$RUN" "$LOG"
        exec 7>"{tmp_path}/caller.lock"
        start_bg sleeper sleep 20
        sleep 0.3
        ls /proc/$(<"$RUN/sleeper.pid")/fd
        """
    )
    run = subprocess.run(
        ["bash", "-c", script],
        env={"PATH": "/usr/bin:/bin", "OSBP_SANDBOX_DIR": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        timeout=10,
    )
    pid = int((tmp_path / "state/run/sleeper.pid").read_text())
    subprocess.run(["kill", str(pid)], check=False)
    assert run.returncode == 0, run.stderr
    assert sorted(run.stdout.split()) == ["0", "1", "2"]


def test_every_sandbox_entry_point_takes_the_lock() -> None:
    for script in ("sandbox/up.sh", "sandbox/down.sh", "e2e/run.sh", "e2e/bench.sh"):
        assert "sandbox_lock " in (REPO / script).read_text(), script
    assert "9>&-" in (REPO / "sandbox/lib/common.sh").read_text()


def test_the_sandbox_starts_the_optional_services_the_run_needs() -> None:
    from e2e.sandbox_services import flags_for

    wordpress = get_blueprint("wordpress-3tier")
    hosting = dataclasses.replace(
        wordpress, name="hosting", services=["keystone", "cloudkitty", "octavia", "designate"]
    )
    assert flags_for([wordpress]) == []
    # in up.sh's order; a service the sandbox does not have (designate) adds no flag
    assert flags_for([wordpress, hosting]) == ["--with-octavia", "--with-cloudkitty"]
