"""wordpress-3tier as `osbp preview --json` shows it (the graph the engine would get)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Preview = Callable[[Path], dict[str, Any]]
RULE = "openstack:networking/secGroupRule:SecGroupRule"


def by_name(document: dict[str, Any], type_suffix: str, name: str) -> dict[str, Any]:
    (resource,) = [
        r for r in document["resources"] if r["type"].endswith(type_suffix) and r["name"] == name
    ]
    return resource


def rules(document: dict[str, Any]) -> list[tuple[str, int, str]]:
    return sorted(
        (
            r["urn"].split("::")[-1].split("-")[0],
            r["inputs"]["portRangeMin"],
            r["inputs"]["remoteIpPrefix"],
        )
        for r in document["resources"]
        if r["type"] == RULE
    )


@pytest.fixture(scope="module")
def default_preview(bake: Callable[..., Path], preview_json: Preview) -> dict[str, Any]:
    return preview_json(bake("wordpress-3tier"))


def test_resource_counts(default_preview: dict[str, Any]) -> None:
    resources = default_preview["resources"]
    counts = Counter(r["type"] for r in resources if not r["type"].startswith("osbp:"))
    assert counts == {
        "openstack:blockstorage/volume:Volume": 1,
        "openstack:compute/instance:Instance": 2,
        "openstack:compute/volumeAttach:VolumeAttach": 1,
        "openstack:networking/floatingIp:FloatingIp": 1,
        "openstack:networking/floatingIpAssociate:FloatingIpAssociate": 1,
        "openstack:networking/network:Network": 2,
        "openstack:networking/port:Port": 2,
        "openstack:networking/router:Router": 1,
        "openstack:networking/routerInterface:RouterInterface": 2,
        "openstack:networking/secGroup:SecGroup": 2,
        "openstack:networking/secGroupRule:SecGroupRule": 3,
        "openstack:networking/subnet:Subnet": 2,
        "pulumi:index:Stash": 2,
        "random:index/randomPassword:RandomPassword": 3,
    }


def test_the_floating_ip_is_allocated_before_the_wordpress_server(
    default_preview: dict[str, Any],
) -> None:
    floating_ip = by_name(default_preview, "floatingIp:FloatingIp", "wordpress")
    wordpress = by_name(default_preview, "instance:Instance", "wordpress")
    assert floating_ip["urn"] in wordpress["dependencies"], "its address is in the site URL"
    association = by_name(default_preview, "floatingIpAssociate:FloatingIpAssociate", "wordpress")
    interface = by_name(default_preview, "routerInterface:RouterInterface", "frontend")
    assert interface["urn"] in association["dependencies"]
    assert wordpress["urn"] not in association["dependencies"], (
        "it follows the port, not the server"
    )


def test_each_server_boots_its_pinned_image(default_preview: dict[str, Any]) -> None:
    for node in ("mysql", "wordpress"):
        pin = by_name(default_preview, "index:Stash", f"{node}-image")
        instance = by_name(default_preview, "instance:Instance", node)
        assert pin["urn"] in instance["dependencies"]
        assert pin["parent"] == instance["parent"]
        assert "imageName" not in instance["inputs"]


def test_physical_names_carry_project_and_stack(
    bake: Callable[..., Path], preview_json: Preview
) -> None:
    document = preview_json(bake("wordpress-3tier", project_name="Blog Prod", stack="prod"))
    named = {r["inputs"]["name"] for r in document["resources"] if "name" in r["inputs"]}
    assert {"blog-prod-prod-mysql", "blog-prod-prod-mysql-data", "blog-prod-prod-edge"} <= named
    assert all(name.startswith("blog-prod-prod-") for name in named)


def test_the_volume_is_attached_to_the_mysql_instance(default_preview: dict[str, Any]) -> None:
    attachment = by_name(default_preview, "volumeAttach:VolumeAttach", "mysql-data")
    mysql = by_name(default_preview, "instance:Instance", "mysql")
    volume = by_name(default_preview, "volume:Volume", "mysql-data")
    assert mysql["urn"] in attachment["dependencies"]
    assert volume["urn"] in attachment["dependencies"]
    assert (
        by_name(default_preview, "instance:Instance", "wordpress")["urn"]
        not in attachment["dependencies"]
    )


def test_mysql_is_reachable_from_the_frontend_subnet_only(default_preview: dict[str, Any]) -> None:
    assert rules(default_preview) == [
        ("db", 3306, "10.0.1.0/24"),
        ("web", 80, "0.0.0.0/0"),
        ("web", 443, "0.0.0.0/0"),
    ]


def test_ssh_follows_the_admin_network(bake: Callable[..., Path], preview_json: Preview) -> None:
    document = preview_json(bake("wordpress-3tier", admin_cidr="192.0.2.0/24"))
    assert [rule for rule in rules(document) if rule[1] == 22] == [
        ("db", 22, "192.0.2.0/24"),
        ("web", 22, "192.0.2.0/24"),
    ]


def test_user_data_is_secret_in_the_preview(default_preview: dict[str, Any]) -> None:
    for name in ("mysql", "wordpress"):
        assert by_name(default_preview, "instance:Instance", name)["inputs"]["userData"] in (
            "[secret]",
            "(known after apply)",
        )


def test_the_admin_password_is_a_secret_output(default_preview: dict[str, Any]) -> None:
    assert default_preview["outputs"]["admin_user"] == "admin"
    assert default_preview["outputs"]["admin_password"] in ("[secret]", "(known after apply)")


def test_custom_networks_move_the_database_rule(
    bake: Callable[..., Path], preview_json: Preview
) -> None:
    document = preview_json(
        bake("wordpress-3tier", frontend_cidr="172.16.10.0/24", backend_cidr="172.16.20.0/24")
    )
    assert ("db", 3306, "172.16.10.0/24") in rules(document)
    subnet = by_name(document, "subnet:Subnet", "backend")
    assert subnet["inputs"]["cidr"] == "172.16.20.0/24"
