"""The offline runner this project's tests stand on: its SDK and its simulated cloud."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from components import sdk_internals
from components.mocks import always_set_outputs
from components.offline import OfflineRun, run_offline


def test_the_installed_pulumi_sdk_has_what_the_runner_needs() -> None:
    """Fails with one line naming what moved after a Pulumi SDK upgrade."""
    sdk_internals.check()


def test_every_resource_gets_each_output_the_cloud_always_sets(deployed: OfflineRun) -> None:
    for resource in deployed.resources:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            missing = [
                k for k in always_set_outputs(resource.type) if resource.outputs.get(k) is None
            ]
            assert not missing, f"{resource.type} {resource.name}: {missing}"


def test_previewed_and_deployed_programs_register_the_same_resources(
    deployed: OfflineRun, previewed: OfflineRun
) -> None:
    assert [r.urn for r in previewed.resources] == [r.urn for r in deployed.resources]


def test_a_run_of_a_copy_puts_back_the_modules_it_shadowed(
    project_dir: Path, stack: str, tmp_path: Path
) -> None:
    """Classes a test already imported keep their module: Pulumi reads their annotations
    from it when they register."""
    import components.security_group as before

    copy = tmp_path / project_dir.name
    shutil.copytree(project_dir, copy, ignore=shutil.ignore_patterns("venv", ".*cache*"))
    run_offline(copy, stack)
    assert sys.modules["components.security_group"] is before
    assert sys.modules["components"].__file__ == str(project_dir / "components" / "__init__.py")
