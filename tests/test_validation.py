"""Answer validation: the rules shared by `osbp new` and the template hooks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.validation import ValidationError, validate_answers, validate_config

SPEC: dict[str, Any] = {
    "parameters": [
        {"name": "project_slug", "type": "slug", "default": "demo"},
        {"name": "frontend_cidr", "type": "cidr", "default": "10.0.1.0/24", "max_prefix": 28},
        {"name": "backend_cidr", "type": "cidr", "default": "10.0.2.0/24"},
        {"name": "admin_cidr", "type": "cidr", "default": "", "optional": True},
        {"name": "size", "type": "integer", "default": 20, "min": 1, "max": 100},
        {"name": "tier", "type": "choice", "default": "small", "choices": ["small", "large"]},
        {"name": "enabled", "type": "boolean", "default": True},
        {"name": "public_key", "type": "ssh-public-key", "default": "", "optional": True},
        {"name": "network", "type": "string", "default": "public", "pattern": "[a-z-]+"},
    ],
    "constraints": [{"disjoint": ["frontend_cidr", "backend_cidr"]}],
}


def test_defaults_are_valid_and_typed() -> None:
    answers = validate_answers(SPEC, {})
    assert answers["size"] == 20
    assert answers["enabled"] is True
    assert answers["admin_cidr"] == ""


def test_answers_are_converted_to_their_types() -> None:
    answers = validate_answers(
        SPEC, {"size": "42", "enabled": "no", "frontend_cidr": "10.9.0.0/16"}
    )
    assert (answers["size"], answers["enabled"], answers["frontend_cidr"]) == (
        42,
        False,
        "10.9.0.0/16",
    )


def test_private_keys_pass_through() -> None:
    assert validate_answers(SPEC, {"_template": "x"})["_template"] == "x"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"frontend_cidr": "10.0.1.0/33"}, "frontend_cidr: '10.0.1.0/33' is not an IPv4 network"),
        ({"frontend_cidr": "10.0.1.5/24"}, "has host bits set"),
        ({"frontend_cidr": "banana"}, "is not an IPv4 network"),
        ({"frontend_cidr": "10.0.1.0/30"}, "10.0.1.0/30 is too small (at most /28)"),
        ({"frontend_cidr": ""}, "frontend_cidr: a value is required"),
        ({"size": "0"}, "size: 0 is out of range (1 to 100)"),
        ({"size": "101"}, "size: 101 is out of range"),
        ({"size": "ten"}, "size: 'ten' is not a whole number"),
        ({"project_slug": "My Project"}, "project_slug: 'My Project' is not a valid slug"),
        ({"project_slug": "1abc"}, "is not a valid slug"),
        ({"project_slug": "a--b"}, "is not a valid slug"),
        ({"tier": "huge"}, "tier: 'huge' is not one of small, large"),
        ({"enabled": "maybe"}, "enabled: 'maybe' is not yes or no"),
        ({"public_key": "not a key"}, "public_key: not an OpenSSH public key"),
        ({"network": "Public Net"}, "does not match"),
        (
            {"backend_cidr": "10.0.0.0/16"},
            "backend_cidr: 10.0.0.0/16 overlaps frontend_cidr (10.0.1.0/24)",
        ),
        ({"colour": "blue"}, "unknown parameter 'colour'"),
    ],
)
def test_bad_answers_are_refused_with_one_clear_line(answers: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_answers(SPEC, answers)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_an_empty_optional_network_overlaps_nothing() -> None:
    spec = {**SPEC, "constraints": [{"disjoint": ["frontend_cidr", "admin_cidr"]}]}
    assert validate_answers(spec, {"admin_cidr": ""})["admin_cidr"] == ""


def test_an_ssh_key_with_comment_is_accepted() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGU= me@host"
    assert validate_answers(SPEC, {"public_key": key})["public_key"] == key


POOLS: dict[str, Any] = {
    "parameters": [
        {"name": "network_cidr", "type": "cidr", "default": "10.0.0.0/24"},
        {"name": "max_total", "type": "integer", "default": 10},
        {
            "name": "pools",
            "type": "list",
            "default": [{"name": "web", "cidr": "10.1.0.0/24"}],
            "min_items": 1,
            "max_items": 3,
            "items": {
                "type": "object",
                "fields": [
                    {"name": "name", "type": "slug"},
                    {
                        "name": "plan",
                        "type": "enum",
                        "choices": ["small", "large"],
                        "default": "small",
                    },
                    {"name": "cidr", "type": "cidr"},
                    {"name": "min", "type": "integer", "default": 1, "min": 0},
                    {"name": "desired", "type": "integer", "default": 1},
                    {"name": "max", "type": "integer", "default": 2},
                    {"name": "public", "type": "boolean", "default": False},
                ],
            },
        },
        {"name": "dns", "type": "list", "default": [], "items": {"type": "string"}},
        {
            "name": "quota",
            "type": "object",
            "fields": [
                {"name": "cores", "type": "integer", "default": 4, "min": 1},
                {"name": "ram_gb", "type": "integer", "default": 8},
            ],
        },
        {"name": "db_password", "type": "secret", "min_length": 12},
        {"name": "api_token", "type": "secret", "optional": True},
    ],
    "constraints": [
        {"disjoint": ["network_cidr", "pools[].cidr"]},
        {"unique": "pools[].name"},
        {"ordered": ["pools[].min", "pools[].desired", "pools[].max", "max_total"]},
    ],
}


def test_lists_and_objects_are_typed_with_their_field_defaults() -> None:
    answers = validate_answers(
        POOLS,
        {
            "pools": [
                {"name": "web", "cidr": "10.1.0.0/24", "desired": "2", "max": 3},
                {"name": "db", "cidr": "10.2.0.0/24", "plan": "large", "public": "yes"},
            ],
            "quota": {"cores": "16"},
        },
    )
    assert answers["pools"] == [
        {
            "name": "web",
            "plan": "small",
            "cidr": "10.1.0.0/24",
            "min": 1,
            "desired": 2,
            "max": 3,
            "public": False,
        },
        {
            "name": "db",
            "plan": "large",
            "cidr": "10.2.0.0/24",
            "min": 1,
            "desired": 1,
            "max": 2,
            "public": True,
        },
    ]
    assert answers["quota"] == {"cores": 16, "ram_gb": 8}
    assert answers["dns"] == []
    assert "db_password" not in answers, "a secret is never an answer"


def test_lists_and_objects_also_come_as_json_text() -> None:
    pools = json.dumps([{"name": "a", "cidr": "10.3.0.0/24"}])
    answers = validate_answers(POOLS, {"pools": pools, "quota": '{"cores": 2}', "dns": ""})
    assert answers["pools"][0]["cidr"] == "10.3.0.0/24"
    assert answers["quota"] == {"cores": 2, "ram_gb": 8}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"pools": []}, "pools: at least 1 item(s) needed, got 0"),
        (
            {"pools": [{"name": f"p{i}", "cidr": f"10.{i}.0.0/24"} for i in range(1, 5)]},
            "pools: at most 3 item(s) allowed, got 4",
        ),
        ({"pools": "[{name: a}]"}, "pools: not valid JSON"),
        ({"pools": {"name": "a"}}, "pools: expected list"),
        ({"pools": [{"name": "a"}]}, "pools[0].cidr: a value is required"),
        (
            {"pools": [{"name": "a", "cidr": "10.1.0.0/24", "plan": "huge"}]},
            "pools[0].plan: 'huge' is not one of small, large",
        ),
        (
            {"pools": [{"name": "a", "cidr": "10.1.0.0/24", "colour": "red"}]},
            "pools[0]: unknown field 'colour'; known: name, plan, cidr, min, desired, max, public",
        ),
        (
            {"pools": [{"name": "a", "cidr": "10.1.0.0/24"}, {"name": "a", "cidr": "10.2.0.0/24"}]},
            "pools[1].name: 'a' is already used by pools[0].name",
        ),
        (
            {
                "pools": [
                    {"name": "a", "cidr": "10.1.0.0/24"},
                    {"name": "b", "cidr": "10.1.0.128/25"},
                ]
            },
            "pools[1].cidr: 10.1.0.128/25 overlaps pools[0].cidr (10.1.0.0/24)",
        ),
        (
            {"network_cidr": "10.1.0.0/16"},
            "pools[0].cidr: 10.1.0.0/24 overlaps network_cidr (10.1.0.0/16)",
        ),
        (
            {"pools": [{"name": "a", "cidr": "10.1.0.0/24", "min": 3, "desired": 2, "max": 4}]},
            "pools[0].desired: 2 is less than pools[0].min (3)",
        ),
        (
            {"pools": [{"name": "a", "cidr": "10.1.0.0/24", "desired": 3, "max": 2}]},
            "pools[0].max: 2 is less than pools[0].desired (3)",
        ),
        (
            {"pools": [{"name": "a", "cidr": "10.1.0.0/24", "max": 11}]},
            "max_total: 10 is less than pools[0].max (11)",
        ),
        ({"quota": {"cores": 0}}, "quota.cores: 0 is out of range (1 to None)"),
        ({"quota": "[1]"}, "quota: expected dict"),
        ({"dns": [""]}, "dns[0]: a value is required"),
        ({"db_password": "hunter2hunter2"}, "db_password: a secret is never an answer"),
    ],
)
def test_bad_structured_answers_name_the_item_and_field(
    answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        validate_answers(POOLS, answers)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_run_time_messages_name_the_config_key() -> None:
    values = {"db_password": "correct horse battery", "network_cidr": "10.1.0.0/16"}
    with pytest.raises(
        ValidationError, match=r"^pools\[0\]\.cidr: 10.1.0.0/24 overlaps networkCidr"
    ):
        validate_config(POOLS, values)
    with pytest.raises(ValidationError, match=r"^maxTotal: 'x' is not a whole number$"):
        validate_config(POOLS, {"db_password": "correct horse battery", "max_total": "x"})


def test_run_time_secrets_are_required_and_never_echoed() -> None:
    with pytest.raises(ValidationError) as missing:
        validate_config(POOLS, {})
    assert str(missing.value) == (
        "dbPassword: not set; run `pulumi config set --secret dbPassword` (it is never an answer)"
    )
    with pytest.raises(ValidationError) as short:
        validate_config(POOLS, {"db_password": "s3cr3t"})
    assert str(short.value) == "dbPassword: has fewer than 12 characters"
    assert "s3cr3t" not in str(short.value)
    values = validate_config(POOLS, {"db_password": "correct horse battery"})
    assert (values["db_password"], values["api_token"]) == ("correct horse battery", "")


def test_run_time_config_arrives_as_text_and_json() -> None:
    """``pulumi.Config`` gives strings; structured values as JSON, as the CLI passes them."""
    values = validate_config(
        POOLS,
        {
            "db_password": "correct horse battery",
            "max_total": "12",
            "pools": json.dumps([{"name": "w", "cidr": "10.9.0.0/24", "public": True}]),
        },
    )
    assert values["max_total"] == 12
    assert values["pools"][0]["public"] is True
    assert values["quota"] == {"cores": 4, "ram_gb": 8}


def test_unique_applies_to_a_list_of_plain_values() -> None:
    spec = {
        "parameters": [{"name": "dns", "type": "list", "items": {"type": "string"}}],
        "constraints": [{"unique": "dns[]"}],
    }
    assert validate_answers(spec, {"dns": ["a", "b"]})["dns"] == ["a", "b"]
    with pytest.raises(ValidationError, match=r"^dns\[2\]: 'a' is already used by dns\[0\]$"):
        validate_answers(spec, {"dns": ["a", "b", "a"]})


def test_unique_skips_the_values_it_is_told_to_ignore() -> None:
    """A VLAN id of 0 means "no VLAN": several tenants may have it, two may not share 120."""
    spec = {
        "parameters": [{"name": "vlans", "type": "list", "items": {"type": "integer"}}],
        "constraints": [{"unique": "vlans[]", "ignore": [0]}],
    }
    assert validate_answers(spec, {"vlans": [0, 120, 0]})["vlans"] == [0, 120, 0]
    with pytest.raises(ValidationError, match=r"^vlans\[2\]: 120 is already used by vlans\[1\]$"):
        validate_answers(spec, {"vlans": [0, 120, 120]})
