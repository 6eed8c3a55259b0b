"""The offline runner this project's tests stand on: its SDK and its simulated cloud."""

from __future__ import annotations

from components import sdk_internals
from components.mocks import always_set_outputs
from components.offline import OfflineRun


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
