"""The bridge provider's mapping check (e2e/tools/providers), on small hand-made schemas.

The real check runs against the built binary and the pinned wheel
(``check_mapping.sh``); these pin that it can fail, and on what.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PROVIDERS = Path(__file__).resolve().parent.parent / "e2e/tools/providers"
TOKEN = "openstack:compute/instance:Instance"


def sdk(seq: bool) -> dict[str, Any]:
    prop = {"seq": seq, "map": False, "type": None}
    return {
        "config": {},
        "functions": {},
        "types": {"compute/InstanceNetwork": {"uuid": {"seq": False, "map": False, "type": None}}},
        "resources": {
            TOKEN: {
                "props": {
                    "name": {"seq": False, "map": False, "type": None},
                    "networks": {**prop, "type": "compute/InstanceNetwork"},
                }
            }
        },
    }


def dump(flat: bool, auto_named: bool = True) -> dict[str, Any]:
    name = {"pulumi": "name", "auto": "name", "type": "String", "optional": True}
    if auto_named:
        name["autoNamed"] = True
    network = {
        "pulumi": "networks",
        "auto": "networks",
        "type": "List",
        "optional": True,
        "fields": {"uuid": {"pulumi": "uuid", "auto": "uuid", "type": "String", "optional": True}},
    }
    if flat:
        network["flat"] = True
    return {
        "config": {},
        "dataSources": {},
        "resources": {
            "openstack_compute_instance_v2": {
                "tok": TOKEN,
                "fields": {"name": name, "network": network},
            }
        },
    }


def check(tmp_path: Path, sdk_doc: dict[str, Any], dump_doc: dict[str, Any]) -> tuple[int, str]:
    (tmp_path / "sdk.json").write_text(json.dumps(sdk_doc))
    (tmp_path / "dump.json").write_text(json.dumps(dump_doc))
    result = subprocess.run(
        [
            sys.executable,
            str(PROVIDERS / "gen_openstack_mapping.py"),
            "check",
            str(tmp_path / "sdk.json"),
            str(tmp_path / "dump.json"),
        ],
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stderr


def test_matching_shapes_pass(tmp_path: Path) -> None:
    code, err = check(tmp_path, sdk(seq=True), dump(flat=False))
    assert code == 0, err


def test_a_single_value_where_the_sdk_has_a_list_is_a_problem(tmp_path: Path) -> None:
    code, err = check(tmp_path, sdk(seq=True), dump(flat=True))
    assert code == 1
    assert "PROBLEM: openstack:compute/instance:Instance.network: binary serves a single" in err


def test_a_list_where_the_sdk_has_a_single_value_is_a_problem(tmp_path: Path) -> None:
    code, err = check(tmp_path, sdk(seq=False), dump(flat=False))
    assert code == 1 and "binary serves a list, SDK has a single value" in err


def test_a_name_without_autonaming_is_a_problem(tmp_path: Path) -> None:
    code, err = check(tmp_path, sdk(seq=True), dump(flat=False, auto_named=False))
    assert code == 1 and "name is not auto-named (SetAutonaming missing)" in err


def test_load_balancer_flavor_data_sources_map_as_upstream() -> None:
    mapping = json.loads((PROVIDERS / "openstack/mapping.json").read_text())["dataSources"]
    assert (
        mapping["openstack_lb_flavor_v2"]["tok"] == "openstack:loadbalancer/getFlavorV2:getFlavorV2"
    )
    assert mapping["openstack_loadbalancer_flavor_v2"]["tok"] == (
        "openstack:loadbalancer/getLbFlavorDeprecated:getLbFlavorDeprecated"
    )


def test_the_provider_sets_autonaming_as_the_official_one() -> None:
    assert 'prov.SetAutonaming(255, "-")' in (PROVIDERS / "openstack/main.go").read_text()


def test_invoke_arguments_take_their_shape_from_the_function_signature(tmp_path: Path) -> None:
    package = tmp_path / "pulumi_fake" / "networking"
    package.mkdir(parents=True)
    (package / "get_network.py").write_text(
        "from typing import Optional, Sequence\n"
        "class GetNetworkResult:\n"
        "    pass\n"
        "def get_network(name: Optional[str] = None,\n"
        "                tags: Optional[Sequence[str]] = None, opts=None):\n"
        "    __args__ = dict()\n"
        "    __args__['name'] = name\n"
        "    __args__['tags'] = tags\n"
        "    __ret__ = pulumi.runtime.invoke('fake:networking/getNetwork:getNetwork', "
        "__args__, opts=opts, typ=GetNetworkResult).value\n"
    )
    result = subprocess.run(
        [sys.executable, str(PROVIDERS / "sdk_extract.py"), str(tmp_path / "pulumi_fake")],
        check=True,
        capture_output=True,
        text=True,
    )
    props = json.loads(result.stdout)["functions"]["fake:networking/getNetwork:getNetwork"]["props"]
    assert props["tags"]["seq"] is True
    assert props["name"]["seq"] is False
