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
    counts = Counter(r["type"] for r in default_preview["resources"])
    assert counts["openstack:compute/instance:Instance"] == 2
    assert counts["openstack:blockstorage/volume:Volume"] == 1
    assert counts["openstack:compute/volumeAttach:VolumeAttach"] == 1
    assert counts["openstack:networking/floatingIpAssociate:FloatingIpAssociate"] == 1
    assert counts["openstack:networking/network:Network"] == 2
    assert counts["random:index/randomPassword:RandomPassword"] == 3


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


def test_custom_networks_move_the_database_rule(
    bake: Callable[..., Path], preview_json: Preview
) -> None:
    document = preview_json(
        bake("wordpress-3tier", frontend_cidr="172.16.10.0/24", backend_cidr="172.16.20.0/24")
    )
    assert ("db", 3306, "172.16.10.0/24") in rules(document)
    subnet = by_name(document, "subnet:Subnet", "backend")
    assert subnet["inputs"]["cidr"] == "172.16.20.0/24"
