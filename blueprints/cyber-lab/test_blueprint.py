"""cyber-lab as `osbp preview --json` shows it (the graph the engine would get), and the
answers `osbp new` refuses."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.catalog import get_blueprint
from generator.cli import main

Preview = Callable[[Path], dict[str, Any]]
BLUEPRINT = get_blueprint("cyber-lab")
EXAMPLES = {"defaults": {}, **BLUEPRINT.examples}
INSTANCE = "openstack:compute/instance:Instance"
RULE = "openstack:networking/secGroupRule:SecGroupRule"


def of_type(document: dict[str, Any], suffix: str) -> list[dict[str, Any]]:
    return [r for r in document["resources"] if r["type"].endswith(suffix)]


def by_name(document: dict[str, Any], suffix: str, name: str) -> dict[str, Any]:
    (resource,) = [r for r in of_type(document, suffix) if r["name"] == name]
    return resource


DEFAULTS = {parameter.name: parameter.default for parameter in BLUEPRINT.parameters}


def answer(answers: dict[str, Any], name: str) -> Any:
    return answers.get(name, DEFAULTS[name])


def lab_vm_names(answers: dict[str, Any]) -> set[str]:
    names = set()
    for vm in answer(answers, "vms"):
        count = vm.get("count", 1)
        names |= {vm["name"]} if count == 1 else {f"{vm['name']}-{i}" for i in range(1, count + 1)}
    return names


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def example(
    request: pytest.FixtureRequest, bake: Callable[..., Path], preview_json: Preview
) -> tuple[dict[str, Any], dict[str, Any]]:
    answers = EXAMPLES[request.param]
    return answers, preview_json(bake("cyber-lab", **answers))


def test_resource_counts_of_the_defaults(bake: Callable[..., Path], preview_json: Preview) -> None:
    document = preview_json(bake("cyber-lab"))
    counts = Counter(r["type"] for r in document["resources"] if not r["type"].startswith("osbp:"))
    assert counts == {
        "openstack:compute/instance:Instance": 4,
        "openstack:compute/keypair:Keypair": 1,
        "openstack:images/image:Image": 1,
        "openstack:networking/floatingIp:FloatingIp": 1,
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate": 1,
        "openstack:networking/network:Network": 2,
        "openstack:networking/port:Port": 5,
        "openstack:networking/router:Router": 1,
        "openstack:networking/routerInterface:RouterInterface": 1,
        "openstack:networking/secGroup:SecGroup": 3,
        "openstack:networking/secGroupRule:SecGroupRule": 4,
        "openstack:networking/subnet:Subnet": 2,
        "pulumi:index:Stash": 1,
    }


def test_one_server_per_lab_vm(example: tuple[dict[str, Any], dict[str, Any]]) -> None:
    answers, document = example
    names = {r["name"] for r in of_type(document, "instance:Instance")}
    assert names == lab_vm_names(answers) | {"jump"}
    for name in lab_vm_names(answers):
        assert by_name(document, "instance:Instance", name)["inputs"]["configDrive"] is True


def test_the_lab_is_sealed(example: tuple[dict[str, Any], dict[str, Any]]) -> None:
    answers, document = example
    subnet = by_name(document, "subnet:Subnet", "lab")
    assert subnet["inputs"]["noGateway"] is True
    assert subnet["inputs"]["cidr"] == answer(answers, "lab_cidr")
    (interface,) = of_type(document, "routerInterface:RouterInterface")
    assert by_name(document, "subnet:Subnet", "management")["urn"] in interface["dependencies"]
    assert subnet["urn"] not in interface["dependencies"]
    assert len(of_type(document, "floatingIp:FloatingIp")) == int(answer(answers, "jump_public_ip"))
    for association in of_type(document, "floatingIpAssociate:FloatingIpAssociate"):
        assert association["urn"].endswith("::jump")
    network = by_name(document, "network:Network", "lab")
    assert not network["inputs"].get("shared")
    segments = network["inputs"].get("segments")
    assert (
        (segments == [{"networkType": "vxlan"}])
        if answer(answers, "admin_rights")
        else not segments
    )


def test_lab_rules_stay_inside_the_lab(example: tuple[dict[str, Any], dict[str, Any]]) -> None:
    answers, document = example
    lab = answer(answers, "lab_cidr")
    strict = answer(answers, "strict_egress")
    for group in ("lab", "jump-lab"):
        assert (
            bool(by_name(document, "secGroup:SecGroup", group)["inputs"].get("deleteDefaultRules"))
            == strict
        )
    rules = sorted(
        (r["name"], r["inputs"]["direction"], r["inputs"]["remoteIpPrefix"])
        for r in of_type(document, "secGroupRule:SecGroupRule")
    )
    admin = answer(answers, "admin_cidr")
    ssh = [(f"jump-admin-tcp-22-from-{admin.replace('/', '-')}", "ingress", admin)] if admin else []
    slug = lab.replace("/", "-")
    assert rules == sorted(
        [
            (f"jump-lab-egress-any-to-{slug}", "egress", lab),
            (f"jump-lab-tcp-3142-from-{slug}", "ingress", lab),
            (f"lab-egress-any-to-{slug}", "egress", lab),
            (f"lab-ingress-any-from-{slug}", "ingress", lab),
            *ssh,
        ]
    )


def test_uploaded_images_and_their_properties(
    example: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    answers, document = example
    images = {r["name"]: r["inputs"] for r in of_type(document, "images/image:Image")}
    assert set(images) == {image["name"] for image in answer(answers, "images")}
    for image in answer(answers, "images"):
        assert images[image["name"]]["properties"]["hw_vif_model"] == image.get(
            "vif_model", "e1000"
        )


def test_outputs_and_secrets(example: tuple[dict[str, Any], dict[str, Any]]) -> None:
    answers, document = example
    assert sorted(document["outputs"]) == sorted(BLUEPRINT.outputs)
    assert document["outputs"]["lab_private_key"] in ("[secret]", "(known after apply)")
    for instance in of_type(document, "instance:Instance"):
        assert instance["inputs"]["userData"] in ("[secret]", "(known after apply)")
    assert set(document["outputs"]["lab_instance_urns"]) == lab_vm_names(answers)


# --- answers osbp new refuses -----------------------------------------------------------


def refused(tmp_path: Path, *sets: str) -> str:
    """``osbp new cyber-lab`` with these answers: one ``error:`` line, exit 2, nothing written."""
    arguments = ["new", "cyber-lab", "--no-input", "-o", str(tmp_path / "out")]
    for value in sets:
        arguments += ["--set", value]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stderr.strip().splitlines()[-1] == lines[0]
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [], "nothing written"
    return lines[0]


def vms(*items: dict[str, Any]) -> str:
    return "vms=" + json.dumps(list(items))


def images(*items: dict[str, Any]) -> str:
    return "images=" + json.dumps(list(items))


ATTACKER = {"name": "kali", "role": "attacker", "image": "debian-12"}

BAD_ANSWERS = [
    ("lab_cidr=10.66.0.0/29", "lab_cidr: 10.66.0.0/29 is too small (at most /26)"),
    ("lab_cidr=not-a-net", "lab_cidr: 'not-a-net' is not an IPv4 network"),
    ("management_cidr=10.66.0.0/25", "management_cidr: 10.66.0.0/25 overlaps lab_cidr"),
    ("admin_cidr=10.0.0.1/8", "admin_cidr: '10.0.0.1/8' is not an IPv4 network"),
    (
        "admin_cidr=0.0.0.0/0",
        "error: admin_cidr: 0.0.0.0/0 opens it to the whole Internet; set"
        " allow_ssh_from_anywhere to true if that is really meant",
    ),
    ("allow_ssh_from_anywhere=maybe", "allow_ssh_from_anywhere: "),
    ("external_network=ext net", "external_network: "),
    ("jump_public_ip=sometimes", "jump_public_ip: "),
    ("jump_image=", "jump_image: "),
    ("jump_flavor=", "jump_flavor: "),
    ("lab_user=Root!", "lab_user: "),
    ("admin_rights=yes please", "admin_rights: "),
    ("strict_egress=2", "strict_egress: "),
    ("target_services=[gopher]", "target_services[0]: 'gopher' is not one of http, ftp"),
    ("target_services=[]", "target_services: at least 1 item(s) needed, got 0"),
    (images({"name": "kali"}), "images[0]: set exactly one of url or file (neither given)"),
    (
        images({"name": "kali", "url": "https://example.org/k.qcow2", "file": "k.qcow2"}),
        "images[0]: set exactly one of url or file (both given)",
    ),
    (
        images({"name": "kali", "file": "k.img", "disk_format": "floppy"}),
        "images[0].disk_format: 'floppy' is not one of qcow2",
    ),
    (
        images({"name": "k", "file": "k.img", "container_format": "tar"}),
        "images[0].container_format: 'tar' is not one of",
    ),
    (images({"name": "k", "file": "k.img", "vif_model": "ne2k"}), "images[0].vif_model: "),
    (images({"name": "k", "file": "k.img", "disk_bus": "usb"}), "images[0].disk_bus: "),
    (images({"name": "k", "file": "k.img", "video_model": "3d"}), "images[0].video_model: "),
    (images({"name": "k", "url": "ftp://x/k.img"}), "images[0].url: "),
    (images({"name": "k", "file": "k.img", "os_distro": "Kali Linux"}), "images[0].os_distro: "),
    (images({"name": "Kali!", "file": "k.img"}), "images[0].name: "),
    (
        images({"name": "k", "file": "a.img"}, {"name": "k", "file": "b.img"}),
        "images[1].name: 'k' is already used by images[0].name",
    ),
    ("vms=[]", "vms: at least 1 item(s) needed, got 0"),
    (vms(ATTACKER, ATTACKER), "vms[1].name: 'kali' is already used by vms[0].name"),
    (
        vms({**ATTACKER, "role": "defender"}),
        "vms[0].role: 'defender' is not one of attacker, target",
    ),
    (vms({**ATTACKER, "count": 0}), "vms[0].count: "),
    (vms({**ATTACKER, "count": 17}), "vms[0].count: "),
    (vms({**ATTACKER, "name": "Kali"}), "vms[0].name: "),
    (vms({"name": "kali", "role": "attacker"}), "vms[0].image: "),
    (vms({**ATTACKER, "flavor": ""}), "vms[0].flavor: "),
    (
        vms({**ATTACKER, "fixed_ip": "10.99.0.5"}),
        "vms[0].fixed_ip: 10.99.0.5 is not a host address of lab_cidr (10.66.0.0/24)",
    ),
    (
        vms({**ATTACKER, "fixed_ip": "10.66.0.255"}),
        "vms[0].fixed_ip: 10.66.0.255 is not a host address of lab_cidr",
    ),
    (vms({**ATTACKER, "fixed_ip": "10.66.0.300"}), "vms[0].fixed_ip: '10.66.0.300' is not an IPv4"),
    (vms({**ATTACKER, "disk": 3}), "vms[0]: unknown field 'disk'"),
]


@pytest.mark.parametrize(("setting", "message"), BAD_ANSWERS, ids=[b[1][:40] for b in BAD_ANSWERS])
def test_bad_answers_are_refused(tmp_path: Path, setting: str, message: str) -> None:
    line = refused(tmp_path, setting)
    assert message in line, line


def test_every_parameter_has_a_refused_value() -> None:
    refused_names = {setting.split("=", 1)[0] for setting, _ in BAD_ANSWERS}
    own = {p.name for p in BLUEPRINT.parameters} - {"project_name", "project_slug", "stack"}
    assert own <= refused_names


def test_the_override_admits_the_world(tmp_path: Path) -> None:
    arguments = ["new", "cyber-lab", "--no-input", "-o", str(tmp_path)]
    arguments += ["--set", "admin_cidr=0.0.0.0/0", "--set", "allow_ssh_from_anywhere=true"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
