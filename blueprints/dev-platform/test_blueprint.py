"""dev-platform as `osbp preview --json` shows it, for the team stack and a branch stack."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import VENV_BIN
from generator.catalog import get_blueprint

Preview = Callable[[Path], dict[str, Any]]
BLUEPRINT = "dev-platform"
EXAMPLES = get_blueprint(BLUEPRINT).examples
KEY_A = get_blueprint(BLUEPRINT).examples["two-developers-vlan"]["developers"][0]["ssh_public_key"]
KEY_B = get_blueprint(BLUEPRINT).examples["two-developers-vlan"]["developers"][1]["ssh_public_key"]
PER_DEVELOPER = {
    "openstack:blockstorage/quoteSetV3:QuoteSetV3": 1,
    "openstack:blockstorage/volume:Volume": 1,
    "openstack:compute/quotaSetV2:QuotaSetV2": 1,
    "openstack:identity/project:Project": 1,
    "openstack:identity/roleAssignment:RoleAssignment": 3,
    "openstack:networking/network:Network": 1,
    "openstack:networking/quotaV2:QuotaV2": 1,
    "openstack:networking/router:Router": 1,
    "openstack:networking/routerInterface:RouterInterface": 1,
    "openstack:networking/secGroup:SecGroup": 1,
    "openstack:networking/subnet:Subnet": 1,
    "pulumi:providers:openstack": 1,
}
BRANCH = {
    "openstack:blockstorage/volume:Volume": 1,
    "openstack:compute/instance:Instance": 1,
    "openstack:compute/keypair:Keypair": 1,
    "openstack:compute/volumeAttach:VolumeAttach": 1,
    "openstack:networking/floatingIp:FloatingIp": 1,
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": 1,
    "openstack:networking/port:Port": 1,
    "pulumi:index:Stash": 1,
    "pulumi:providers:openstack": 1,
}


def counts(document: dict[str, Any]) -> Counter[str]:
    return Counter(r["type"] for r in document["resources"] if not r["type"].startswith("osbp:"))


def osbp(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(VENV_BIN / "osbp"), *args], capture_output=True, text=True)


def branch_preview(project: Path, tmp_path: Path, stack: str) -> subprocess.CompletedProcess[str]:
    """``osbp preview --json --stack <branch>`` in a copy holding the team's config under
    the branch's name (``pulumi stack init --copy-config-from team``)."""
    copy = tmp_path / project.name
    if not copy.exists():
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns("venv"))
    shutil.copyfile(copy / "Pulumi.team.yaml", copy / f"Pulumi.{stack}.yaml")
    return osbp("preview", "--json", "--stack", stack, str(copy))


@pytest.mark.parametrize("example", ["defaults", *EXAMPLES])
def test_team_stack_graph_has_every_developer_project(
    bake: Callable[..., Path], preview_json: Preview, example: str
) -> None:
    answers = EXAMPLES.get(example, {})
    document = preview_json(bake(BLUEPRINT, **answers))
    developers = answers.get("developers", [{"name": "alice"}])
    new_users = [d for d in developers if not d.get("existing_user")]
    expected = Counter({kind: n * len(developers) for kind, n in PER_DEVELOPER.items()})
    expected.update(
        {
            "openstack:identity/project:Project": 1,  # the team's
            "pulumi:providers:openstack": 1,  # the system administrator's (Keystone)
            "openstack:identity/user:User": len(new_users),
            "random:index/randomPassword:RandomPassword": len(new_users),
        }
    )
    if answers.get("admin_cidr"):
        expected["openstack:networking/secGroupRule:SecGroupRule"] = len(developers)
    assert counts(document) == expected
    assert document["outputs"]["developer_passwords"] in ("[secret]", "(known after apply)")


@pytest.mark.parametrize("example", ["defaults", *EXAMPLES])
def test_branch_stack_graph_is_one_environment(
    bake: Callable[..., Path], tmp_path: Path, example: str
) -> None:
    answers = EXAMPLES.get(example, {})
    developer = answers.get("developers", [{"name": "alice"}])[-1]["name"]
    result = branch_preview(bake(BLUEPRINT, **answers), tmp_path, f"{developer}-feature-x")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert counts(document) == BRANCH
    assert document["stack"] == f"{developer}-feature-x"
    names = {r["inputs"]["name"] for r in document["resources"] if "name" in r["inputs"]}
    assert all(f"-{developer}-feature-x-" in name for name in names), names
    instance = next(r for r in document["resources"] if r["type"].endswith("instance:Instance"))
    assert instance["inputs"]["flavorName"] == answers.get("env_flavor", "m1.medium")


def test_vlan_networks_carry_their_segment(
    bake: Callable[..., Path], preview_json: Preview
) -> None:
    answers = EXAMPLES["two-developers-vlan"]
    document = preview_json(bake(BLUEPRINT, **answers))
    segments = {
        r["name"]: r["inputs"]["segments"]
        for r in document["resources"]
        if r["type"].endswith("network:Network")
    }
    assert segments == {
        "alice-net": [
            {"networkType": "vlan", "physicalNetwork": "datacentre", "segmentationId": 101}
        ],
        "bob-net": [
            {"networkType": "vlan", "physicalNetwork": "datacentre", "segmentationId": 102}
        ],
    }


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        ("carol-feature", "error: branch stack 'carol-feature' belongs to no developer"),
        ("alice-" + "x" * 58, "64 characters, at most 63 (shorten the branch name)"),
    ],
)
def test_a_branch_that_cannot_be_a_stack_is_refused_in_one_line(
    bake: Callable[..., Path], tmp_path: Path, stack: str, message: str
) -> None:
    result = branch_preview(bake(BLUEPRINT), tmp_path, stack)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def developers(*items: dict[str, Any]) -> str:
    return "developers=" + json.dumps(list(items))


ALICE = {"name": "alice", "email": "alice@example.com", "ssh_public_key": KEY_A}
BOB = {"name": "bob", "email": "bob@example.com", "ssh_public_key": KEY_B}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            developers(ALICE, {**BOB, "name": "alice"}),
            "developers[1].name: 'alice' is already used by developers[0].name",
        ),
        (
            developers({**ALICE, "ssh_public_key": ""}),
            "developers[0].ssh_public_key: a value is required",
        ),
        (
            developers({"name": "alice", "email": "a@example.com"}),
            "ssh_public_key: a value is required",
        ),
        (developers({**ALICE, "ssh_public_key": "AAAA"}), "not an OpenSSH public key"),
        (developers(ALICE, {**BOB, "ssh_public_key": KEY_A}), "ssh_public_key: 'ssh-ed25519 AAAA"),
        (developers({**ALICE, "name": "alice-b"}), "developers[0].name: 'alice-b' does not match"),
        (developers({**ALICE, "email": "alice"}), "developers[0].email: 'alice' does not match"),
        (developers({**ALICE, "existing_user": "a b"}), "developers[0].existing_user"),
        ("developers=[]", "developers: at least 1 item(s) needed"),
        ("quotas.instances=0", "quotas.instances: 0 is out of range (1 to 1000)"),
        ("quotas.cores=0", "quotas.cores: 0 is out of range"),
        ("quotas.ram_mb=100", "quotas.ram_mb: 100 is out of range"),
        ("quotas.volumes=1001", "quotas.volumes: 1001 is out of range"),
        ("quotas.gigabytes=0", "quotas.gigabytes: 0 is out of range"),
        ("quotas.networks=0", "quotas.networks: 0 is out of range"),
        ("quotas.ports=2", "quotas.ports: 2 is out of range"),
        ("quotas.floating_ips=0", "quotas.floating_ips: 0 is out of range"),
        ("admin_cidr=10.0.0.0/33", "admin_cidr: '10.0.0.0/33' is not an IPv4"),
        ("external_network=ext net", "external_network: 'ext net' does not match"),
        ("network_type=gre", "network_type: 'gre' is not one of"),
        ("physical_network=phys net", "physical_network: 'phys net' does not match"),
        ("vlan_ids=[4095]", "vlan_ids[0]: 4095 is out of range (1 to 4094)"),
        ("vlan_ids=[0]", "vlan_ids[0]: 0 is out of range (1 to 4094)"),
        ("subnet_cidr=10.20.0.0/30", "subnet_cidr"),
        ("persistent_volume_size=0", "persistent_volume_size: 0 is out of range"),
        ("volume_type=fast disks", "volume_type: 'fast disks' does not match"),
        ("protect_data=maybe", "protect_data: 'maybe' is not yes or no"),
        ("image=", "image: a value is required"),
        ("image_user=Root!", "image_user: 'Root!' does not match"),
        ("env_flavor=", "env_flavor: a value is required"),
        ("env_volume_size=0", "env_volume_size: 0 is out of range"),
        ("container_runtime=lxc", "container_runtime: 'lxc' is not one of"),
        (
            "toolchains=[{package: git, command: git --version}, {package: git, command: git -v}]",
            "toolchains[1].package: 'git' is already used by toolchains[0].package",
        ),
        ("toolchains=[{package: Py thon, command: python3 --version}]", "toolchains[0].package"),
        ("toolchains=[{package: xz, command: 'rm -rf /; x'}]", "toolchains[0].command"),
    ],
)
def test_bad_answers_are_refused_in_one_line_and_nothing_is_written(
    tmp_path: Path, answer: str, message: str
) -> None:
    result = osbp("new", BLUEPRINT, "--no-input", "-o", str(tmp_path / "out"), "--set", answer)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing written"


def test_the_generated_stack_is_the_team_stack(bake: Callable[..., Path]) -> None:
    project = bake(BLUEPRINT)
    answers = yaml.safe_load((project / ".osbp-answers.yml").read_text())["answers"]
    assert answers["stack"] == "team"
    assert (project / "Pulumi.team.yaml").is_file()


# -- the GitLab CI run of the acceptance flow (ci_pipeline.py) ------------------------------


def _ci_pipeline() -> Any:
    import importlib.util
    import sys

    path = Path(__file__).with_name("ci_pipeline.py")
    spec = importlib.util.spec_from_file_location("dev_platform_ci_pipeline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_ci_jobs_get_nothing_of_the_operators_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OS_CLOUD", "osbp-sandbox")
    monkeypatch.setenv("OS_PASSWORD", "operator-secret")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "the-team-passphrase")
    env = _ci_pipeline()._runner_env()
    assert not [key for key in env if key.startswith("OS_")]
    assert "PULUMI_CONFIG_PASSPHRASE" not in env
    assert env["PATH"]


def test_the_ci_clouds_file_holds_application_credentials_only(tmp_path: Path) -> None:
    from types import SimpleNamespace

    clouds = {"clouds": {"osbp-sandbox": {"auth": {"auth_url": "http://k:5000/v3",
                                                   "password": "operator-secret"}}}}  # fmt: skip
    credential = SimpleNamespace(id="ac-1", secret="ac-secret")
    path = tmp_path / "ci-clouds.yaml"
    _ci_pipeline().ci_clouds(clouds, {"alice": credential}, path)
    written = yaml.safe_load(path.read_text())
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(written["clouds"]) == ["ci-alice"]
    assert written["clouds"]["ci-alice"]["auth"] == {
        "auth_url": "http://k:5000/v3",
        "application_credential_id": "ac-1",
        "application_credential_secret": "ac-secret",
    }
    assert "operator-secret" not in path.read_text()


def test_branch_slugs_and_stack_names() -> None:
    ci = _ci_pipeline()
    assert [ci.slug(branch) for branch, _ in ci.PUSHES] == [
        "alice-feature-a",
        "alice-feature-b",
        "bob-fix-1",
    ]
    listing = json.dumps([{"name": "organization/dev-platform/team"}, {"name": "bob-fix-1"}])
    assert ci.stack_names(listing) == {"team", "bob-fix-1"}
