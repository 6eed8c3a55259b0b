"""Cross-field rules for addresses, alternative fields, open networks and names of another
list's items (``within``, ``exactly_one``, ``anywhere_needs``, ``refers``): checked in answers
and in specs."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.schema import SpecError, check_blueprint
from generator.validation import ValidationError, validate_answers, validate_config

ITEMS = {
    "type": "object",
    "fields": [
        {"name": "name", "type": "slug"},
        {"name": "url", "type": "string", "default": "", "optional": True},
        {"name": "file", "type": "string", "default": "", "optional": True},
        {"name": "fixed_ip", "type": "string", "default": "", "optional": True},
    ],
}
PLAN = {"type": "object", "fields": [{"name": "name", "type": "slug"}]}
TENANT = {
    "type": "object",
    "fields": [
        {"name": "name", "type": "slug"},
        {"name": "plan", "type": "string", "default": "", "optional": True},
    ],
}
SPEC: dict[str, Any] = {
    "parameters": [
        {"name": "lab_cidr", "type": "cidr", "default": "10.66.0.0/24"},
        {"name": "admin_cidr", "type": "cidr", "default": "", "optional": True},
        {"name": "open", "type": "boolean", "default": False},
        {"name": "vms", "type": "list", "items": ITEMS, "default": []},
        {"name": "plans", "type": "list", "items": PLAN, "default": [{"name": "small"}]},
        {"name": "tenant_plans", "type": "list", "items": TENANT, "default": []},
    ],
    "constraints": [
        {"within": ["lab_cidr", "vms[].fixed_ip"]},
        {"exactly_one": ["vms[].url", "vms[].file"]},
        {"anywhere_needs": ["admin_cidr", "open"]},
        {"refers": ["tenant_plans[].plan", "plans[].name"]},
    ],
}


def vm(**fields: str) -> dict[str, str]:
    return {"name": "a", "file": "a.img", **fields}


def test_valid_answers_pass() -> None:
    answers = validate_answers(SPEC, {"vms": [vm(fixed_ip="10.66.0.5"), vm(name="b")]})
    assert answers["vms"][0]["fixed_ip"] == "10.66.0.5"
    assert validate_answers(SPEC, {"admin_cidr": "0.0.0.0/0", "open": True})["open"] is True
    plans = {"plans": [{"name": "small"}, {"name": "large"}]}
    tenants = [{"name": "acme", "plan": "large"}, {"name": "globex"}]
    answers = validate_answers(SPEC, {**plans, "tenant_plans": tenants})
    assert [t["plan"] for t in answers["tenant_plans"]] == ["large", ""], "empty: not checked"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"vms": [vm(fixed_ip="10.67.0.5")]},
            "vms[0].fixed_ip: 10.67.0.5 is not a host address of",
        ),
        ({"vms": [vm(fixed_ip="10.66.0.0")]}, "vms[0].fixed_ip: 10.66.0.0 is not a host address"),
        ({"vms": [vm(fixed_ip="ten")]}, "vms[0].fixed_ip: 'ten' is not an IPv4 address"),
        ({"vms": [vm(file="")]}, "vms[0]: set exactly one of url or file (neither given)"),
        ({"vms": [vm(url="https://x/a")]}, "vms[0]: set exactly one of url or file (both given)"),
        ({"admin_cidr": "0.0.0.0/0"}, "admin_cidr: 0.0.0.0/0 opens it to the whole Internet"),
        (
            {"tenant_plans": [{"name": "acme", "plan": "gold"}]},
            "tenant_plans[0].plan: 'gold' is not one of plans[].name (small)",
        ),
    ],
)
def test_refused(answers: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_answers(SPEC, answers)
    assert str(error.value).startswith(message)


def test_config_messages_name_config_keys() -> None:
    with pytest.raises(ValidationError, match=r"adminCidr: .* set open to true"):
        validate_config(SPEC, {"admin_cidr": "0.0.0.0/0"})
    refused = r"tenantPlans\[0\]\.plan: 'gold' is not one of plans"
    with pytest.raises(ValidationError, match=refused):
        validate_config(SPEC, {"tenant_plans": [{"name": "a", "plan": "gold"}]})


BLUEPRINT: dict[str, Any] = {
    "name": "rules",
    "version": 1,
    "title": "t",
    "summary": "s",
    "parameters": [{**p, "help": "h"} for p in copy.deepcopy(SPEC["parameters"])],
    "constraints": [],
}


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        ({"within": ["vms[].fixed_ip"]}, "expected a cidr parameter, then address paths"),
        ({"within": ["lab_cidr", "open"]}, "addresses are string fields"),
        ({"exactly_one": ["vms[].url"]}, "at least two fields of the items of one list"),
        ({"anywhere_needs": ["admin_cidr", "lab_cidr"]}, "a cidr parameter and a boolean"),
        ({"refers": ["tenant_plans[].plan"]}, "a path, then the field of another list"),
        ({"refers": ["tenant_plans[].plan", "tenant_plans[].name"]}, "of another list"),
        ({"refers": ["tenant_plans[].plan", "lab_cidr"]}, "of another list"),
        ({"refers": ["vms[].name", "plans[].name"]}, None),
        ({"refers": ["lab_cidr", "plans[].name"]}, "names are string or slug fields"),
    ],
)
def test_specs_with_misused_rules_are_refused(
    constraint: dict[str, Any], message: str | None
) -> None:
    spec = {**BLUEPRINT, "constraints": [constraint]}
    if message is None:  # the same rule used right: loads
        check_blueprint(spec)
        return
    with pytest.raises(SpecError, match=message):
        check_blueprint(spec)


def test_a_spec_with_the_rules_loads() -> None:
    check_blueprint({**BLUEPRINT, "constraints": SPEC["constraints"]})
