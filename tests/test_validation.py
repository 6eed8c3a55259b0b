"""Answer validation: the rules shared by `osbp new` and the template hooks."""

from __future__ import annotations

from typing import Any

import pytest

from generator.validation import ValidationError, validate_answers

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
            "frontend_cidr (10.0.1.0/24) and backend_cidr (10.0.0.0/16) overlap",
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
