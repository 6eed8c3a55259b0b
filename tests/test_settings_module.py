"""The generated settings module: one source (blueprint.yaml), the rules of ``osbp new``.

A stack file edited by hand (or with ``pulumi config set``) is checked when the
program starts, so a mistake stops ``pulumi preview``/``up`` with one line naming
the config key instead of failing later in Neutron or Cinder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import TEMPLATES
from generator import validation
from generator.catalog import list_blueprints
from generator.paths import blueprints_dir

BLUEPRINTS = [b.name for b in list_blueprints()]


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_every_project_carries_the_rules_verbatim(blueprint: str) -> None:
    project = TEMPLATES / blueprint / "{{cookiecutter.project_slug}}"
    assert (project / "components" / "validation.py").read_bytes() == Path(
        validation.__file__
    ).read_bytes()
    assert (project / "settings.py").is_file()
    assert not (blueprints_dir() / blueprint / "project" / "settings.py").exists(), (
        "settings.py is generated from blueprint.yaml, never hand-written"
    )


@pytest.fixture
def wordpress(bake: Callable[..., Path], tmp_path: Path) -> Iterator[Path]:
    """A copy of a baked wordpress-3tier project whose stack file a test may edit."""
    project = tmp_path / "wordpress-3tier"
    shutil.copytree(bake("wordpress-3tier"), project)
    yield project


def set_config(project: Path, **values: Any) -> None:
    stack_file = project / "Pulumi.dev.yaml"
    doc = yaml.safe_load(stack_file.read_text())
    for key, value in values.items():
        doc["config"][f"wordpress-3tier:{key}"] = value
    stack_file.write_text(yaml.safe_dump(doc))


def run(project: Path) -> Any:
    sys.path.insert(0, str(project))
    try:
        from components.offline import run_offline

        return run_offline(project)
    finally:
        sys.path.remove(str(project))
        for name in [m for m in sys.modules if m == "components" or m.startswith("components.")]:
            del sys.modules[name]


def test_the_program_reads_typed_settings(wordpress: Path) -> None:
    set_config(wordpress, dbVolumeSize=64, adminCidr="192.0.2.0/24")
    deployed = run(wordpress)
    (volume,) = deployed.of_type("openstack:blockstorage/volume:Volume")
    assert volume.inputs["size"] == 64


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"backendCidr": "10.0.1.128/25"}, "backendCidr: 10.0.1.128/25 overlaps frontendCidr"),
        ({"frontendCidr": "10.0.1.5/24"}, "frontendCidr: '10.0.1.5/24' is not an IPv4 network"),
        # Caught before the program runs, as the Pulumi CLI checks declared types itself.
        (
            {"dbVolumeSize": "lots"},
            "Pulumi.dev.yaml: Stack 'dev' with configuration key 'wordpress-3tier:dbVolumeSize'"
            " must be of type 'integer'",
        ),
        ({"dbVolumeSize": 0}, "dbVolumeSize: 0 is out of range (1 to 16384)"),
        ({"externalNetwork": "my net"}, "externalNetwork: 'my net' does not match"),
        ({"publicKey": "not a key"}, "publicKey: not an OpenSSH public key"),
        ({"adminCidr": "0.0.0.0/33"}, "adminCidr: '0.0.0.0/33' is not an IPv4 network"),
    ],
)
def test_a_wrong_stack_value_stops_the_program_with_one_line(
    wordpress: Path, values: dict[str, Any], message: str
) -> None:
    set_config(wordpress, **values)
    with pytest.raises(Exception) as error:
        run(wordpress)
    # The program raises pulumi.RunError; the offline runner reports it as its OfflineError.
    assert type(error.value).__name__ == "OfflineError"
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_osbp_preview_reports_a_wrong_stack_value_in_one_line(wordpress: Path) -> None:
    set_config(wordpress, backendCidr="10.0.1.128/25")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "osbp"), "preview", str(wordpress)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "error: backendCidr: 10.0.1.128/25 overlaps frontendCidr (10.0.1.0/24)\n"
    )
    assert result.stdout == ""
