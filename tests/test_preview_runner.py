"""The offline runner behind ``osbp preview``: providers, one-line errors, pinned
SDK internals, a runner that matches osbp, and no event loop left open."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pulumi_openstack
import pytest

from conftest import SHARED_COMPONENTS, VENV_BIN
from generator.preview import load_runner

OPENSTACK_VERSION = pulumi_openstack._utilities.get_version()  # type: ignore[attr-defined]


def osbp_preview(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "osbp"), "preview", *args, str(project)],
        capture_output=True,
        text=True,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``error:`` line a user mistake must give (exit 2, nothing else)."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# --- providers ----------------------------------------------------------------------


def test_every_wordpress_resource_is_on_its_default_provider(
    bake: Callable[..., Path], preview_json: Callable[[Path], dict[str, Any]]
) -> None:
    document = preview_json(bake("wordpress-3tier"))
    prefix = "urn:pulumi:dev::wordpress-3tier::pulumi:providers:"
    openstack_default = f"{prefix}openstack::default_{OPENSTACK_VERSION.replace('.', '_')}"
    resources = document["resources"]
    assert {r["provider"] for r in resources if r["type"].startswith("openstack:")} == {
        openstack_default
    }
    assert all(
        r["provider"].startswith(f"{prefix}random::default_")
        for r in resources
        if r["type"].startswith("random:")
    )
    assert all(r["provider"] is None for r in resources if r["type"].startswith("osbp:"))


EXPLICIT_PROVIDER = """
import pulumi
import pulumi_openstack as openstack


class Tenant(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("fixture:index:Tenant", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        network = openstack.networking.Network(f"{name}-lan", opts=child)
        openstack.networking.Subnet(
            f"{name}-lan", network_id=network.id, cidr="10.9.0.0/24", opts=child
        )
        openstack.networking.get_network(
            name="public", opts=pulumi.InvokeOptions(parent=self)
        )


region_b = openstack.Provider("region-b", region="RegionTwo")
Tenant("acme", pulumi.ResourceOptions(providers={"openstack": region_b}))
openstack.networking.Network("shared")
"""


def test_children_and_invokes_of_a_component_use_its_explicit_provider(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    project = offline_project(tmp_path, EXPLICIT_PROVIDER)
    run = load_runner(project).run_offline(project, preview=True)
    region_b = run.named("pulumi:providers:openstack", "region-b").urn
    default = "urn:pulumi:test::fixture::pulumi:providers:openstack::default_"
    on = {(r.type.rsplit(":", 1)[-1], r.name): r.provider for r in run.resources if r.custom}
    assert on == {
        ("Network", "acme-lan"): region_b,
        ("Subnet", "acme-lan"): region_b,
        ("openstack", "region-b"): None,
        ("Network", "shared"): default + OPENSTACK_VERSION.replace(".", "_"),
    }
    (lookup,) = run.invocations
    assert lookup.token == "openstack:networking/getNetwork:getNetwork"
    assert lookup.provider == region_b


def test_a_stack_that_disables_the_default_provider_refuses_a_resource_without_one(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    disabled = {"pulumi:disable-default-providers": ["openstack"]}
    project = offline_project(tmp_path, EXPLICIT_PROVIDER, config=disabled)
    assert one_error_line(osbp_preview(project)) == (
        "error: Default provider for 'openstack' disabled."
        " 'openstack:networking/network:Network' must use an explicit provider."
    )
    explicit_only = EXPLICIT_PROVIDER.replace(
        'openstack.networking.Network("shared")',
        'openstack.networking.Network("shared", opts=pulumi.ResourceOptions(provider=region_b))',
    )
    project = offline_project(tmp_path / "explicit", explicit_only, config=disabled)
    run = load_runner(project).run_offline(project, preview=True)
    networks = [r for r in run.resources if r.type.startswith("openstack:networking")]
    assert len(networks) == 3
    assert all(str(r.provider).endswith("::region-b") for r in networks)


def test_preview_json_shows_the_provider_of_each_resource_and_invoke(
    tmp_path: Path,
    offline_project: Callable[..., Path],
    preview_json: Callable[[Path], dict[str, Any]],
) -> None:
    document = preview_json(offline_project(tmp_path, EXPLICIT_PROVIDER))
    region_b = "urn:pulumi:test::fixture::pulumi:providers:openstack::region-b"
    by_name = {(r["type"], r["name"]): r["provider"] for r in document["resources"]}
    assert by_name[("openstack:networking/subnet:Subnet", "acme-lan")] == region_b
    assert by_name[("openstack:networking/network:Network", "shared")].endswith(
        "::pulumi:providers:openstack::default_" + OPENSTACK_VERSION.replace(".", "_")
    )
    assert document["invokes"] == [
        {
            "token": "openstack:networking/getNetwork:getNetwork",
            "provider": region_b,
            "args": {"name": "public"},
        }
    ]


def test_two_resources_with_one_urn_are_refused_as_by_the_engine(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    program = (
        "import pulumi_openstack as openstack\n"
        "openstack.networking.Network('lan')\nopenstack.networking.Network('lan')\n"
    )
    line = one_error_line(osbp_preview(offline_project(tmp_path, program)))
    assert (
        "duplicate resource URN urn:pulumi:test::fixture::openstack:networking/network:Network::lan"
        in line
    )


# --- one-line errors ------------------------------------------------------------------

BROKEN_PROGRAMS = {
    "syntax": ("import pulumi\n\nx = (\n", r"__main__\.py:3: SyntaxError: '\(' was never closed"),
    "raises": (
        "import pulumi\n\n\ndef check():\n    raise ValueError('no flavor m1.huge')\n\n\ncheck()\n",
        r"__main__\.py:5: ValueError: no flavor m1\.huge",
    ),
    "run-error": (
        "import pulumi\nraise pulumi.RunError('dbVolumeSize: must be at least 1')\n",
        r"error: dbVolumeSize: must be at least 1$",
    ),
    "config-type": (
        "import pulumi\npulumi.Config().require_int('size')\n",
        r"error: Configuration 'fixture:size' value 'big' is not a valid 'int'",
    ),
    "missing-config": (
        "import pulumi\npulumi.Config().require('flavor')\n",
        r"error: Missing required configuration variable 'fixture:flavor'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_PROGRAMS))
def test_a_failing_program_is_one_error_line_naming_the_users_code(
    case: str, tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    program, expected = BROKEN_PROGRAMS[case]
    project = offline_project(tmp_path, program, config={"size": "big"})
    line = one_error_line(osbp_preview(project))
    assert re.search(expected, line), line
    assert str(SHARED_COMPONENTS.parent) not in line


def test_program_warnings_are_shown_as_the_cli_shows_them(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    program = "import pulumi\npulumi.log.warn('flavor m1.tiny is small')\npulumi.log.info('hi')\n"
    result = osbp_preview(offline_project(tmp_path, program))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "warning: flavor m1.tiny is small\n"


def test_bad_yaml_in_the_stack_file_is_one_error_line(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    project = offline_project(tmp_path, "import pulumi\n")
    (project / "Pulumi.test.yaml").write_text("config:\n  fixture:size: [1,\n")
    line = one_error_line(osbp_preview(project))
    assert line.startswith("error: Pulumi.test.yaml:") and "invalid YAML" in line, line


def test_a_value_of_the_wrong_declared_type_is_one_error_line(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    project = offline_project(
        tmp_path,
        "import pulumi\n",
        project_config={"size": {"type": "integer", "default": 20}},
        config={"size": "twenty"},
    )
    line = one_error_line(osbp_preview(project))
    assert "configuration key 'fixture:size' must be of type 'integer'" in line, line


# --- the runner matches osbp, the SDK matches the runner -------------------------------


@pytest.mark.parametrize(
    ("edit", "expected"),
    [("RUNNER_API = 1", "runner API 1,"), ("", "runner API unversioned,")],
    ids=["older", "unversioned"],
)
def test_osbp_refuses_a_project_whose_runner_is_not_its_own(
    edit: str, expected: str, tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    project = offline_project(tmp_path, "import pulumi\n")
    runner = project / "components" / "offline.py"
    text = runner.read_text()
    assert re.search(r"^RUNNER_API = \d+$", text, re.M)
    runner.write_text(re.sub(r"^RUNNER_API = \d+$", edit, text, flags=re.M))
    line = one_error_line(osbp_preview(project))
    assert expected in line and "osbp update" in line, line


def sdk_internals() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "osbp_sdk_internals", SHARED_COMPONENTS / "sdk_internals.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_installed_sdk_has_every_private_name_the_runner_uses() -> None:
    sdk_internals().check()


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        ("pulumi.runtime.rpc", "_special_sig_key"),
        ("pulumi.runtime.sync_await", "_sync_await"),
        ("pulumi.runtime.settings", "ROOT"),
        ("pulumi.runtime.mocks.MockMonitor", "RegisterResource"),
    ],
)
def test_an_sdk_that_moved_fails_with_one_clear_message(
    owner: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = sdk_internals()
    if owner.endswith(".MockMonitor"):
        target: Any = importlib.import_module(owner.rsplit(".", 1)[0]).MockMonitor
    else:
        target = importlib.import_module(owner)
    monkeypatch.delattr(target, name)
    with pytest.raises(module.SdkMismatch) as raised:
        module.check()
    message = str(raised.value)
    assert "\n" not in message
    assert re.search(rf"pulumi 3\.\d+\.\d+ moved .*{re.escape(name)}", message), message
    assert "components/sdk_internals.py supports pulumi==" in message


# --- event loops ----------------------------------------------------------------------

SMALL_PROGRAM = """
import pulumi
import pulumi_openstack as openstack

network = openstack.networking.Network("lan")
subnet = openstack.networking.Subnet("lan", network_id=network.id, cidr="10.1.0.0/24")
ports = [
    openstack.networking.Port(f"node-{i}", network_id=network.id,
                              fixed_ips=[{"subnet_id": subnet.id}])
    for i in range(4)
]
pulumi.export("addresses", [p.all_fixed_ips for p in ports])
"""

LOOPS_LEFT_OPEN = """
import asyncio, gc, sys
sys.path.insert(0, sys.argv[1])
from components.offline import run_offline
for preview in (False, True):
    run_offline(sys.argv[1], preview=preview)
gc.collect()
print(sum(isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed() for o in gc.get_objects()))
"""


def test_no_event_loop_is_left_open_after_a_run(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    project = offline_project(tmp_path, SMALL_PROGRAM)
    result = subprocess.run(
        [sys.executable, "-c", LOOPS_LEFT_OPEN, str(project)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0", "event loops left for the interpreter's exit to close"
    assert result.stderr == ""


def test_fifty_previews_end_without_an_event_loop_traceback(
    tmp_path: Path, offline_project: Callable[..., Path]
) -> None:
    """The "Exception ignored in BaseEventLoop.__del__" of ~3% of runs, 50 times over."""
    project = offline_project(tmp_path, SMALL_PROGRAM)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: osbp_preview(project), range(50)))
    assert [r.returncode for r in results] == [0] * 50
    noisy = [r.stderr for r in results if r.stderr]
    assert not noisy, noisy[0]
