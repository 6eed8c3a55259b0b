"""The node harness's own logic, without booting anything (part of the fast suite)."""

import ipaddress
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from tests.nodes import harness, roles
from tests.nodes import image as image_module
from tests.nodes.image import Image
from tests.nodes.project import ATTACH, INSTANCE, PORT, SUBNET, VOLUME, deployment_from_capture
from tests.nodes.reuse import result_key
from tests.nodes.seed import network_config, private_mac
from tests.nodes.spec import NodeSpec


def record(
    type_: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any] | None = None
) -> Any:
    return SimpleNamespace(type=type_, name=name, id=f"id-{name}", inputs=inputs,
                           outputs=outputs or {})  # fmt: skip


def capture(networks_of_master: list[dict[str, str]] | None = None) -> list[Any]:
    return [
        record(SUBNET, "front", {"cidr": "10.0.1.0/24"}),
        record(SUBNET, "storage", {"cidr": "10.0.9.0/24"}),
        record(PORT, "master-front", {}, {"allFixedIps": ["10.0.1.10"]}),
        record(PORT, "master-storage", {}, {"allFixedIps": ["10.0.9.10"]}),
        record(PORT, "worker-a", {}, {"allFixedIps": ["10.0.1.11"]}),
        record(PORT, "worker-b", {}, {"allFixedIps": ["10.0.1.12"]}),
        record(INSTANCE, "master", {
            "metadata": {"osbp-role": "master"}, "userData": "#cloud-config\n", "name": "m",
            "networks": networks_of_master
            or [{"port": "id-master-front"}, {"port": "id-master-storage"}],
        }),
        record(INSTANCE, "worker-a", {"metadata": {"osbp-role": "worker"}, "userData": "#w\n",
                                      "networks": [{"port": "id-worker-a"}]}),
        record(INSTANCE, "worker-b", {"metadata": {"osbp-role": "worker"}, "userData": "#w\n",
                                      "networks": [{"port": "id-worker-b"}]}),
        record(ATTACH, "data", {"instanceId": "id-master",
                                "volumeId": "id-0123456789abcdefghijklmnop"}),
        record(VOLUME, "0123456789abcdefghijklmnop", {"size": 7}),
    ]  # fmt: skip


def heat_workers(resources: list[Any]) -> list[NodeSpec]:
    """What a blueprint whose workers Heat creates would return from the captured stack."""
    return [
        NodeSpec("spark-worker", "sw", "#cloud-config\n", [ipaddress.IPv4Interface("10.0.1.50/24")])
    ]


def test_nodes_get_every_port_their_disks_and_extra_servers() -> None:
    deployment = deployment_from_capture("bp", capture(), heat_workers)
    by_role = {n.role: n for n in deployment.nodes}
    assert sorted(by_role) == ["master", "spark-worker", "worker-1", "worker-2"]
    master = by_role["master"]
    assert [str(a) for a in master.addresses] == ["10.0.1.10/24", "10.0.9.10/24"]
    assert [(d.serial, d.size_gib) for d in master.disks] == [("id-0123456789abcdefg", 7)]
    assert master.hostname == "m"
    assert deployment.segment_network() == ipaddress.ip_network("10.0.0.0/20")


def test_a_network_given_without_a_port_is_refused() -> None:
    with pytest.raises(RuntimeError, match="every network must be given as a port"):
        deployment_from_capture("bp", capture([{"uuid": "net"}]))


def test_first_nic_on_the_router_segment_further_nics_on_their_subnet() -> None:
    node = NodeSpec("m", "m", "", [ipaddress.IPv4Interface("10.0.1.10/24"),
                                   ipaddress.IPv4Interface("10.0.9.10/24")])  # fmt: skip
    config = yaml.safe_load(network_config(node, 2, ipaddress.IPv4Network("10.0.0.0/20")))
    nics = config["ethernets"]
    assert nics["private0"]["addresses"] == ["10.0.1.10/20"]
    assert nics["private1"]["addresses"] == ["10.0.9.10/24"]
    assert [nics[n]["set-name"] for n in ("mgmt", "private0", "private1")] == [
        "eth0",
        "eth1",
        "eth2",
    ]
    assert nics["private1"]["match"]["macaddress"] == private_mac(2, 1) != private_mac(2, 0)


def test_any_change_to_the_rendered_configuration_changes_the_result_key(tmp_path: Path) -> None:
    checks = tmp_path / "node_checks.py"
    checks.write_text("checks = 1\n")
    image = Image(tmp_path / "image-a")
    deployment = deployment_from_capture("bp", capture())
    key = result_key(deployment, image, checks)
    assert key == result_key(deployment, image, checks)
    deployment.nodes[0].user_data += "# changed\n"
    changed = result_key(deployment, image, checks)
    assert changed != key
    assert result_key(deployment, Image(tmp_path / "image-b"), checks) != changed
    checks.write_text("checks = 2\n")
    assert result_key(deployment, image, checks) != changed


def test_every_blueprint_of_the_catalog_has_node_checks() -> None:
    for name in harness.catalog_names():
        assert roles.for_blueprint(name).checks, name


def test_a_blueprint_without_node_checks_is_an_error_not_a_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(roles, "BLUEPRINTS", tmp_path)
    monkeypatch.setattr(harness, "catalog_names", lambda: ["new-blueprint"])
    assert harness.main(["new-blueprint"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: blueprint new-blueprint has no node checks")
    assert harness.main(["not-in-catalog"]) == 2


def test_images_only_builds_the_image_of_the_nodes_packages_and_boots_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    user_data = "#cloud-config\npackages: [nginx, [mariadb-client, 1]]\n"
    node = NodeSpec(role="web", hostname="web", user_data=user_data, addresses=[])
    built: list[list[str]] = []

    def prepare(suite: harness.Suite, _workdir: Path) -> None:
        suite.deployment = SimpleNamespace(nodes=[node])  # type: ignore[assignment]

    def ensure_image(packages: list[str], _log: Path) -> Image:
        built.append(packages)
        return Image(tmp_path)

    def boot(*_args: object) -> None:
        raise AssertionError("--images-only must not boot")

    monkeypatch.setattr(harness, "prepare", prepare)
    monkeypatch.setattr(harness, "ensure_image", ensure_image)
    monkeypatch.setattr(harness, "run_suite", boot)
    name = harness.catalog_names()[0]
    assert harness.main([name, "--images-only", "--logdir", str(tmp_path / "logs")]) == 0
    assert built == [["nginx", "mariadb-client"]]
    assert not (tmp_path / "logs").exists()


def test_an_image_another_run_is_building_is_waited_for_not_built_twice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(image_module, "CACHE", tmp_path)
    builds: list[list[str]] = []

    def build(argv: list[str], **_kwargs: object) -> SimpleNamespace:
        builds.append(argv)
        out = Path(argv[2])
        out.mkdir(parents=True)
        for name in ("base.qcow2", "vmlinuz", "initrd.img"):
            (out / name).write_text(name)
        return SimpleNamespace(returncode=0)

    monkeypatch.setattr(image_module.subprocess, "run", build)
    log = tmp_path / "build.log"
    first = image_module.ensure_image(["nginx"], log)
    # a second run holding the lock: the next ensure_image waits, then finds the image built
    with image_module.build_lock(first):
        waiter = threading.Thread(target=image_module.ensure_image, args=(["nginx"], log))
        waiter.start()
        waiter.join(timeout=0.5)
        assert waiter.is_alive(), "it must wait while another run holds the build lock"
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert len(builds) == 1
    assert image_module.is_built(image_module.ensure_image(["nginx", "nginx"], log))
    assert len(builds) == 1, "same package set, same image"


def test_a_blueprint_is_baked_with_the_answer_set_its_node_checks_name(tmp_path: Path) -> None:
    """``BlueprintChecks.answers`` reach ``osbp new`` as ``--set``: what boots is that bake."""
    from tests.nodes.project import bake

    answers = {"web_flavor": "m1.large", "admin_email": "nodes@example.org"}
    project = bake(harness.REPO, "wordpress-3tier", tmp_path, answers)
    config = yaml.safe_load(next(project.glob("Pulumi.*.yaml")).read_text())["config"]
    assert config["wordpress-3tier:webFlavor"] == "m1.large"
    assert config["wordpress-3tier:adminEmail"] == "nodes@example.org"


def test_services_a_role_would_not_have_are_masked_by_vendor_data_only_when_named() -> None:
    from tests.nodes.seed import vendor_data

    assert vendor_data(()) == ""
    hook = vendor_data(("nginx.service", "apache2.service"))
    assert hook.splitlines() == [
        "#cloud-boothook",
        "#!/bin/sh",
        "systemctl mask --now nginx.service apache2.service",
    ]
