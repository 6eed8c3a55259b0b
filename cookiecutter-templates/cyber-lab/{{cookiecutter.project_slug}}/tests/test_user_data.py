"""Node configuration rendering: shared fragments merged in, unusable values refused."""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

import pytest
import yaml
from pulumi.runtime import rpc

from components.offline import OfflineRun, reveal
from components.user_data import (
    SCRIPT_KEYS,
    SHARED_FRAGMENTS,
    CloudConfig,
    UnrenderableValue,
    render_cloud_config,
)

ROLE = """#cloud-config
packages: [role-package]
bootcmd:
  - [echo, role]
runcmd:
  - [sh, -ec, "echo ${greeting} > /etc/motd"]
final_message: "ready after $$UPTIME seconds"
"""
FRAGMENT = """#cloud-config
packages: [shared-package]
bootcmd:
  - echo shared
"""
TEXTS = {"cloud-init/role.yaml": ROLE, "cloud-init/shared.yaml": FRAGMENT}


def render(values: dict[str, object], may_be_empty: tuple[str, ...] = ()) -> dict[str, Any]:
    text = render_cloud_config("cloud-init/role.yaml", TEXTS, values, may_be_empty)
    assert text.startswith("#cloud-config\n")
    document = yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


def test_fragments_come_first_and_scripts_stop_at_the_first_failure() -> None:
    document = render({"greeting": "hello"})
    assert document["packages"] == ["shared-package", "role-package"]
    assert document["bootcmd"] == ["set -e", "echo shared", ["echo", "role"]]
    assert document["runcmd"] == ["set -e", ["sh", "-ec", "echo hello > /etc/motd"]]
    assert document["final_message"] == "ready after $UPTIME seconds"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "is None"),
        (rpc.UNKNOWN, "is unknown"),
        ("(known after apply)", "is unknown"),
        ("", "is empty"),
        (["a"], "is a list, not a string"),
    ],
)
def test_an_unusable_value_names_the_template_and_the_placeholder(
    value: object, problem: str
) -> None:
    with pytest.raises(UnrenderableValue) as error:
        render({"greeting": value})
    assert str(error.value) == "cloud-init/role.yaml: the value of $" + "{greeting} " + problem


def test_an_empty_value_is_allowed_where_declared() -> None:
    document = render({"greeting": ""}, may_be_empty=("greeting",))
    assert document["runcmd"][1] == ["sh", "-ec", "echo  > /etc/motd"]


def test_two_different_values_for_one_setting_are_a_conflict() -> None:
    texts = {**TEXTS, "cloud-init/shared.yaml": FRAGMENT + "final_message: other\n"}
    with pytest.raises(UnrenderableValue, match="cloud-init/shared.yaml: final_message"):
        render_cloud_config("cloud-init/role.yaml", texts, {"greeting": "hi"})


def test_a_placeholder_without_a_value_fails_before_anything_is_created(tmp_path: Path) -> None:
    template = tmp_path / "role.yaml"
    template.write_text(ROLE)
    with pytest.raises(UnrenderableValue, match=r"role.yaml: no value for \$\{greeting\}"):
        CloudConfig(str(template), {}).render()


def test_a_lone_dollar_sign_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "role.yaml"
    template.write_text(ROLE.replace("$$UPTIME", "$ UPTIME"))
    with pytest.raises(UnrenderableValue, match="lone"):
        CloudConfig(str(template), {"greeting": "hi"}).render()


def test_every_node_gets_the_shared_fragments(deployed: OfflineRun, project_dir: Path) -> None:
    instances = deployed.of_type("openstack:compute/instance:Instance")
    # A stack that builds projects for others (a team's Keystone projects and networks)
    # may have no server of its own; every other stack declares servers.
    builds_projects = deployed.of_type("openstack:identity/project:Project")
    assert instances or builds_projects, "the program declares servers"
    for fragment in SHARED_FRAGMENTS:
        shared = yaml.safe_load(Template((project_dir / fragment).read_text()).substitute())
        for instance in instances:
            document = yaml.safe_load(str(reveal(instance.inputs["userData"])))
            for key, items in shared.items():
                got = document[key]
                if key in SCRIPT_KEYS:
                    assert got[0] == "set -e", f"{instance.name}: {key} does not stop on errors"
                    got = got[1:]
                assert got[: len(items)] == items, f"{instance.name}: {key} of {fragment} not first"


def test_only_root_reaches_the_metadata_service(project_dir: Path) -> None:
    (fragment,) = [f for f in SHARED_FRAGMENTS if "hardening" in f]
    bootcmd = "\n".join(yaml.safe_load((project_dir / fragment).read_text())["bootcmd"])
    assert "ip daddr 169.254.169.254 meta skuid != 0 counter drop" in bootcmd
    assert "chmod 0600" in bootcmd
