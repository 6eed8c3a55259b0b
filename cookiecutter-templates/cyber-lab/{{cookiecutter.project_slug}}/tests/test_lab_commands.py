"""``make inventory`` and ``make reset`` (lab.py) against a stand-in for the Pulumi CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import lab

SERVER = "osbp:compute:Server$openstack:compute/instance:Instance"
URNS = {
    name: f"urn:pulumi:lab::cyber-lab::{SERVER}::{name}"
    for name in ("attacker", "target-1", "target-2")
}
OUTPUTS: dict[str, Any] = {
    "jump_public_ip": "203.0.113.7",
    "jump_management_ip": "10.67.0.10",
    "lab_user": "debian",
    "lab_hosts": {
        "attacker": {"role": "attacker", "address": "10.66.0.17"},
        "target-1": {"role": "target", "address": "10.66.0.18"},
        "target-2": {"role": "target", "address": "10.66.0.19"},
    },
    "lab_instance_urns": URNS,
    "lab_private_key": "[secret]",
}


class FakePulumi:
    """Answers ``pulumi stack output --json``; records every other command."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str]) -> str:
        self.commands.append(command)
        if command[:3] == ["pulumi", "stack", "output"]:
            assert "--show-secrets" not in command, "the commands never need the secrets"
            return json.dumps(self.outputs)
        return ""


def test_inventory_is_written_from_the_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakePulumi(OUTPUTS)
    target = tmp_path / "inventory" / "hosts.ini"
    code = lab.main(["--stack", "lab", "inventory", "--output", str(target)], run=fake)
    assert code == 0
    text = target.read_text()
    assert "[target]\ntarget-1 ansible_host=10.66.0.18\ntarget-2 ansible_host=10.66.0.19\n" in text
    assert "ProxyJump=debian@203.0.113.7" in text
    assert "PRIVATE KEY" not in text and "ssh_private_key_file" not in text
    assert capsys.readouterr().out == f"wrote {target}: 3 lab host(s) behind 203.0.113.7\n"
    assert fake.commands == [["pulumi", "stack", "output", "--json", "--stack", "lab"]]


def test_inventory_without_a_floating_ip_goes_through_the_management_address(
    tmp_path: Path,
) -> None:
    fake = FakePulumi({**OUTPUTS, "jump_public_ip": ""})
    target = tmp_path / "hosts.ini"
    arguments = ["--stack", "lab", "inventory", "--output", str(target), "--jump-user", "ops"]
    assert lab.main(arguments, run=fake) == 0
    assert "ProxyJump=ops@10.67.0.10" in target.read_text()


def test_reset_replaces_every_lab_server(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(OUTPUTS)
    assert lab.main(["--stack", "lab", "reset"], run=fake) == 0
    up = fake.commands[-1]
    assert up[:6] == ["pulumi", "up", "--yes", "--skip-preview", "--stack", "lab"]
    assert up[6:] == [arg for name in sorted(URNS) for arg in ("--replace", URNS[name])]
    out = capsys.readouterr().out
    assert out.startswith("reset 3 lab VM(s) (attacker, target-1, target-2) in ")
    assert out.endswith(" s\n")


def test_reset_only_some(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(OUTPUTS)
    assert lab.main(["--stack", "lab", "reset", "--only", "target-2, attacker"], run=fake) == 0
    assert fake.commands[-1][6:] == [
        "--replace",
        URNS["attacker"],
        "--replace",
        URNS["target-2"],
    ]
    assert "reset 2 lab VM(s) (attacker, target-2)" in capsys.readouterr().out


def test_an_unknown_name_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(OUTPUTS)
    assert lab.main(["--stack", "lab", "reset", "--only", "target-9"], run=fake) == 2
    assert capsys.readouterr().err == (
        "error: ONLY names target-9, not a lab VM of stack lab;"
        " known: attacker, target-1, target-2\n"
    )
    assert len(fake.commands) == 1, "nothing replaced"


def test_a_stack_never_deployed_is_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert lab.main(["--stack", "lab", "reset"], run=FakePulumi({})) == 2
    assert capsys.readouterr().err == (
        "error: stack lab has no lab_hosts output: run `make up` first\n"
    )
