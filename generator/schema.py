"""The format of ``blueprint.yaml``, checked when the catalog loads.

A mistake in a spec is reported as one line naming the field and what is wrong
(``parameters[3] (size).type: 'int' is not a type; ...``), before anything is built
from it. Defaults are checked with the same rules as answers
(``generator.validation``), so a spec cannot ship a default ``osbp new`` refuses.

The format, in short::

    name: my-blueprint            # a slug; title, summary and version are required too
    parameters:                   # each: name (snake_case), type, help, default, optional
      - {name: size, type: integer, default: 2, min: 1, max: 9, help: ...}
      - {name: plan, type: enum, choices: [small, large], default: small, help: ...}
      - {name: net, type: cidr, max_prefix: 28, default: 10.0.0.0/24, help: ...}
      - {name: token, type: secret, min_length: 16, help: ...}   # never an answer
      - name: tenants             # a list: items are scalars or objects
        type: list
        key: name                 # the field --set tenants.<name>.<field>=... finds
        items: {type: object, fields: [{name: name, type: slug}, ...]}
      - {name: quota, type: object, fields: [{name: cores, type: integer}], help: ...}
    constraints:                  # paths: a, a.field, a[].field
      - disjoint: [net, "tenants[].cidr"]        # no two networks overlap
      - unique: "tenants[].name"                 # no value twice in the list
      - {unique: "tenants[].vlan_id", ignore: [0]}   # ... except values meaning "none"
      - ordered: [min_nodes, desired_nodes, max_nodes]   # a <= b <= c
      - within: [net, "vms[].fixed_ip"]          # addresses are hosts of the network
      - exactly_one: ["images[].url", "images[].file"]   # per item, one field set
      - anywhere_needs: [admin_cidr, allow_world]  # a /0 network only with the flag
      - refers: ["tenants[].plan", "plans[].name"]  # each value names an item of the other list
    stacks:                       # what the acceptance flow deploys, with its rights
      - {name: app, rights: member, help: ...}   # system-admin | admin | member | reader
      - {name: alice-x, rights: member, pattern: "[a-z][a-z0-9-]*", help: ...}
                                  # pattern: the name is one example of every stack whose
                                  # name matches (and no other entry names): branch stacks
    explicit_providers: [openstack]   # default providers disabled in every stack file
    copy_as_is: ["dashboard/templates/*"]  # project files cookiecutter must not render
                                  # (an application's own Jinja templates)

Scalar types: string (pattern), slug, integer (min, max), boolean, cidr
(max_prefix), enum (choices), ssh-public-key. A ``secret`` is required unless
``optional: true`` (then the program generates it when unset).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from typing import Any

from generator import validation

IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
"""snake_case with single underscores, so that config keys (camelCase) stay distinct."""
RESERVED = {"load"}
"""Names the generated ``Settings`` class uses itself."""
PROJECT_NAMES = ("project_name", "project_slug", "stack")
RIGHTS = ("system-admin", "admin", "member", "reader")

TOP_LEVEL: dict[str, tuple[type | tuple[type, ...], bool]] = {
    # key: (type, required)
    "name": (str, True),
    "version": ((str, int, float), True),
    "title": (str, True),
    "summary": (str, True),
    "seed_section": (str, False),
    "services": (list, False),
    "node_roles": (list, False),
    "diagram": (str, False),
    "outputs": (dict, False),
    "parameters": (list, False),
    "constraints": (list, False),
    "examples": (dict, False),
    "stacks": (list, False),
    "explicit_providers": (list, False),
    "copy_as_is": (list, False),
}

COMMON_KEYS = {"name", "type", "default", "help", "optional"}
KEYS_BY_TYPE: dict[str, set[str]] = {
    "string": {"pattern"},
    "slug": {"pattern"},
    "integer": {"min", "max"},
    "boolean": set(),
    "cidr": {"max_prefix"},
    "enum": {"choices"},
    "choice": {"choices"},
    "ssh-public-key": set(),
    "secret": {"min_length", "pattern"},
    "list": {"items", "min_items", "max_items", "key", "class_name"},
    "object": {"fields", "class_name"},
}
TYPES = ", ".join(KEYS_BY_TYPE)


class SpecError(ValueError):
    """``field: what is wrong``, one line."""


def check_blueprint(doc: Any) -> None:
    """Raise ``SpecError`` for the first thing wrong in a parsed ``blueprint.yaml``."""
    if not isinstance(doc, Mapping):
        raise SpecError("the file must hold a mapping (name, title, parameters, ...)")
    for key in doc:
        if key not in TOP_LEVEL:
            raise SpecError(f"{key}: unknown field; known: {', '.join(TOP_LEVEL)}")
    for key, (kind, required) in TOP_LEVEL.items():
        if key not in doc:
            if required:
                raise SpecError(f"{key}: missing (required)")
            continue
        if not isinstance(doc[key], kind) or isinstance(doc[key], bool):
            raise SpecError(f"{key}: expected {_kind_name(kind)}, got {doc[key]!r}")
    if not validation.SLUG.match(doc["name"]):
        raise SpecError(f"name: {doc['name']!r} is not a slug (lowercase letters, digits, dashes)")
    for key in ("services", "node_roles", "explicit_providers", "copy_as_is"):
        for index, item in enumerate(doc.get(key) or []):
            if not isinstance(item, str):
                raise SpecError(f"{key}[{index}]: expected a string, got {item!r}")
    for output, text in (doc.get("outputs") or {}).items():
        if isinstance(text, Mapping):
            check_output(f"outputs.{output}", text)
        elif not isinstance(text, str):
            raise SpecError(f"outputs.{output}: expected a description string, got {text!r}")
    parameters = doc.get("parameters") or []
    names: set[str] = set()
    for index, parameter in enumerate(parameters):
        where = f"parameters[{index}]"
        check_parameter(where, parameter, top_level=True)
        if parameter["name"] in names or parameter["name"] in PROJECT_NAMES:
            raise SpecError(
                f"{where} ({parameter['name']}).name: {parameter['name']!r} is already a parameter"
            )
        names.add(parameter["name"])
    by_name = {parameter["name"]: parameter for parameter in parameters}
    for index, constraint in enumerate(doc.get("constraints") or []):
        check_constraint(f"constraints[{index}]", constraint, by_name)
    for example, answers in (doc.get("examples") or {}).items():
        if not isinstance(answers, Mapping):
            raise SpecError(f"examples.{example}: expected a mapping of answers")
        for key in answers:
            if key not in by_name and key not in PROJECT_NAMES:
                raise SpecError(f"examples.{example}.{key}: not a parameter")
    check_stacks(doc.get("stacks") or [])


def check_parameter(where: str, spec: Any, top_level: bool) -> None:
    """One parameter, list item or object field: known keys, sound values, valid default."""
    if not isinstance(spec, Mapping):
        raise SpecError(f"{where}: expected a mapping (name, type, ...), got {spec!r}")
    if top_level or "name" in spec:
        name = spec.get("name")
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            raise SpecError(f"{where}.name: {name!r} is not a name (snake_case: a-z, 0-9, _)")
        if keyword.iskeyword(name) or (top_level and name in RESERVED):
            raise SpecError(f"{where}.name: {name!r} is reserved (a Python keyword or method)")
        where = f"{where} ({name})" if top_level else where
    kind = spec.get("type")
    if kind not in KEYS_BY_TYPE:
        raise SpecError(f"{where}.type: {kind!r} is not a type; known: {TYPES}")
    allowed = COMMON_KEYS | KEYS_BY_TYPE[kind]
    for key in spec:
        if key not in allowed:
            raise SpecError(f"{where}.{key}: not a field of a {kind} parameter")
    if top_level and not isinstance(spec.get("help"), str):
        raise SpecError(f"{where}.help: missing (the prompt and the README need it)")
    _check_options(where, kind, spec, top_level)
    if "default" in spec and kind != "secret":
        try:
            validation.CHECKS[kind]("default", spec["default"], spec)
        except validation.ValidationError as error:
            raise SpecError(f"{where}.{error}") from None


def _check_options(where: str, kind: str, spec: Mapping[str, Any], top_level: bool) -> None:
    for key in ("min", "max", "max_prefix", "min_items", "max_items", "min_length"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool)):
            raise SpecError(f"{where}.{key}: expected a whole number, got {spec[key]!r}")
    if "optional" in spec and not isinstance(spec["optional"], bool):
        raise SpecError(f"{where}.optional: expected true or false")
    if "pattern" in spec:
        try:
            re.compile(spec["pattern"])
        except (re.error, TypeError) as error:
            raise SpecError(f"{where}.pattern: not a regular expression ({error})") from None
    if kind in ("enum", "choice"):
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            raise SpecError(f"{where}.choices: an {kind} needs a non-empty list of choices")
    if kind == "secret":
        if not top_level:
            raise SpecError(f"{where}.type: a secret is a parameter of its own, not a field")
        if "default" in spec:
            raise SpecError(f"{where}.default: a secret has no default (it would be in clear)")
    if kind == "list":
        if not top_level:
            raise SpecError(f"{where}.type: lists are top-level parameters only")
        items = spec.get("items")
        if not isinstance(items, Mapping):
            raise SpecError(f"{where}.items: missing (the type of the list's items)")
        if items.get("type") not in (*validation.SCALAR_TYPES, "object"):
            raise SpecError(
                f"{where}.items.type: {items.get('type')!r} is not an item type; known: "
                + ", ".join((*validation.SCALAR_TYPES, "object"))
            )
        check_parameter(f"{where}.items", items, top_level=False)
        key_field = spec.get("key")
        if key_field is not None:
            item_fields = [field.get("name") for field in items.get("fields", [])]
            if items["type"] != "object" or key_field not in item_fields:
                raise SpecError(f"{where}.key: {key_field!r} is not a field of the items")
    if kind == "object":
        fields: Any = spec.get("fields")
        if not isinstance(fields, list) or not fields:
            raise SpecError(f"{where}.fields: an object needs a non-empty list of fields")
        seen: set[str] = set()
        for index, field in enumerate(fields):
            field_where = f"{where}.fields[{index}]"
            if not isinstance(field, Mapping) or "name" not in field:
                raise SpecError(f"{field_where}.name: missing")
            if field.get("type") not in validation.SCALAR_TYPES:
                raise SpecError(
                    f"{field_where}.type: {field.get('type')!r} is not a field type; known: "
                    + ", ".join(validation.SCALAR_TYPES)
                )
            check_parameter(field_where, field, top_level=False)
            if field["name"] in seen:
                raise SpecError(f"{field_where}.name: {field['name']!r} is repeated")
            seen.add(field["name"])
    if "class_name" in spec and not re.fullmatch(r"[A-Z][A-Za-z0-9]*", str(spec["class_name"])):
        raise SpecError(f"{where}.class_name: {spec['class_name']!r} is not a class name")


def field_type(path: str, parameters: Mapping[str, Mapping[str, Any]]) -> str:
    """The type of the value a constraint path names, or ``SpecError``."""
    head, *fields = path.split(".")
    spec = parameters.get(head.removesuffix("[]"))
    if spec is None:
        raise SpecError(f"{path!r}: {head.removesuffix('[]')!r} is not a parameter")
    if head.endswith("[]"):
        if spec["type"] != "list":
            raise SpecError(f"{path!r}: {head.removesuffix('[]')} is not a list")
        spec = spec["items"]
    elif spec["type"] == "list":
        raise SpecError(f"{path!r}: {head} is a list; write {head}[] to name its items")
    for field in fields:
        if spec["type"] != "object":
            raise SpecError(f"{path!r}: {field!r} is a field of something that is not an object")
        by_name = {entry["name"]: entry for entry in spec["fields"]}
        if field not in by_name:
            raise SpecError(f"{path!r}: {field!r} is not a field; known: {', '.join(by_name)}")
        spec = by_name[field]
    return str(spec["type"])


def check_constraint(where: str, constraint: Any, parameters: Mapping[str, Any]) -> None:
    if isinstance(constraint, Mapping) and "ignore" in constraint:
        if "unique" not in constraint or not isinstance(constraint["ignore"], list):
            raise SpecError(f"{where}.ignore: a list of values, beside a unique rule only")
        constraint = {k: v for k, v in constraint.items() if k != "ignore"}
    if not isinstance(constraint, Mapping) or len(constraint) != 1:
        raise SpecError(
            f"{where}: expected one of disjoint, unique, ordered, " + ", ".join(EXTRA_RULES)
        )
    ((rule, paths),) = constraint.items()
    expected: dict[str, tuple[str, ...]] = {
        "disjoint": ("cidr",),
        "ordered": ("integer",),
        "unique": (),
        **EXTRA_RULES,
    }
    if rule not in expected:
        raise SpecError(f"{where}: {rule!r} is not a rule; known: {', '.join(expected)}")
    if rule == "unique" and isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise SpecError(f"{where}.{rule}: expected a list of parameter paths")
    if rule == "ordered" and len(paths) < 2:
        raise SpecError(f"{where}.{rule}: compare at least two values")
    lists = set()
    for path in paths:
        try:
            kind = field_type(path, parameters)
        except SpecError as error:
            raise SpecError(f"{where}.{rule}: {error}") from None
        if expected[rule] and kind not in expected[rule]:
            raise SpecError(f"{where}.{rule}: {path!r} is a {kind}, not {expected[rule][0]}")
        if "[]" in path:
            lists.add(path.split("[]")[0])
        elif rule == "unique":
            raise SpecError(f"{where}.unique: {path!r} names one value; use a list path (x[].y)")
    if rule == "ordered" and len(lists) > 1:
        raise SpecError(f"{where}.ordered: compares items of one list only, not {sorted(lists)}")
    if rule in EXTRA_RULES:
        check_extra_rule(f"{where}.{rule}", rule, paths, parameters, lists)


EXTRA_RULES: dict[str, tuple[str, ...]] = {
    "within": (),
    "exactly_one": (),
    "anywhere_needs": (),
    "refers": (),
}
"""Rules whose paths have types by position (checked by ``check_extra_rule``)."""


def check_extra_rule(
    where: str, rule: str, paths: list[str], parameters: Mapping[str, Any], lists: set[str]
) -> None:
    kinds = [field_type(path, parameters) for path in paths]
    if rule == "within":
        if len(paths) < 2 or kinds[0] != "cidr" or "[]" in paths[0]:
            raise SpecError(f"{where}: expected a cidr parameter, then address paths")
        if any(kind != "string" for kind in kinds[1:]):
            raise SpecError(f"{where}: addresses are string fields")
    elif rule == "exactly_one":
        if len(paths) < 2 or len(lists) != 1 or not all("[]" in path for path in paths):
            raise SpecError(f"{where}: expected at least two fields of the items of one list")
    elif rule == "refers":
        heads = [path.split("[]")[0] for path in paths]
        if len(paths) != 2 or "[]" not in paths[1] or heads[0] == heads[1]:
            raise SpecError(f"{where}: expected a path, then the field of another list it names")
        if any(kind not in ("string", "slug") for kind in kinds):
            raise SpecError(f"{where}: names are string or slug fields")
    elif len(paths) != 2 or kinds != ["cidr", "boolean"] or lists:
        raise SpecError(f"{where}: expected a cidr parameter and a boolean parameter")


def check_output(where: str, output: Mapping[str, Any]) -> None:
    """The long form of an output: ``{help: ..., secret: true}``."""
    for key in output:
        if key not in ("help", "secret"):
            raise SpecError(f"{where}.{key}: unknown field; known: help, secret")
    if not isinstance(output.get("help"), str):
        raise SpecError(f"{where}.help: missing (what the output is)")
    if not isinstance(output.get("secret", False), bool):
        raise SpecError(f"{where}.secret: expected true or false")


def check_stacks(stacks: list[Any]) -> None:
    """``stacks:``: each stack the blueprint's flow deploys, with the rights it needs."""
    names: set[str] = set()
    for index, stack in enumerate(stacks):
        where = f"stacks[{index}]"
        if not isinstance(stack, Mapping):
            raise SpecError(f"{where}: expected a mapping (name, rights, help)")
        for key in stack:
            if key not in ("name", "rights", "help", "pattern"):
                raise SpecError(f"{where}.{key}: unknown field; known: name, rights, help, pattern")
        name = stack.get("name")
        if not isinstance(name, str) or not validation.SLUG.match(name):
            raise SpecError(f"{where}.name: {name!r} is not a stack name (a slug)")
        if name in names:
            raise SpecError(f"{where}.name: {name!r} is repeated")
        names.add(name)
        if stack.get("rights") not in RIGHTS:
            raise SpecError(
                f"{where}.rights: {stack.get('rights')!r} is not one of {', '.join(RIGHTS)}"
            )
        if not isinstance(stack.get("help"), str) or not stack["help"].strip():
            raise SpecError(f"{where}.help: missing (what the stack is for)")
        if "pattern" in stack:
            _check_stack_pattern(where, name, stack["pattern"])


def _check_stack_pattern(where: str, name: str, pattern: Any) -> None:
    """A stack kind whose names vary (one per git branch): ``name`` is the example deployed."""
    try:
        matches = isinstance(pattern, str) and re.fullmatch(pattern, name) is not None
    except re.error as error:
        raise SpecError(f"{where}.pattern: not a regular expression ({error})") from None
    if not isinstance(pattern, str):
        raise SpecError(f"{where}.pattern: expected a regular expression, got {pattern!r}")
    if not matches:
        raise SpecError(f"{where}.pattern: the example name {name!r} does not match {pattern}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(dict.fromkeys(names[k] for k in kinds))
