{% raw %}"""Validate a blueprint's answers, or a stack's config, against its parameter spec.

Standard library only, and one source for three places: ``osbp new`` imports it,
``osbp templates build`` embeds it in every template's ``pre_gen_project`` hook
(plain cookiecutter), and copies it into every generated project as
``components/validation.py``, where ``settings.py`` checks the stack's config at
run time with exactly these rules.

A spec is plain data (what ``blueprint.yaml`` says)::

    {"parameters": [{"name": "frontend_cidr", "type": "cidr", ...},
                    {"name": "pools", "type": "list",
                     "items": {"type": "object", "fields": [{"name": "min", ...}]}}],
     "constraints": [{"disjoint": ["frontend_cidr", "backend_cidr", "pools[].cidr"]},
                     {"unique": "pools[].name"},
                     {"ordered": ["pools[].min", "pools[].desired", "pools[].max"]}]}

A path names a value: ``frontend_cidr``, ``quota.cores`` (a field of an object),
``pools[].name`` (that field in every item of a list).
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SSH_KEY = re.compile(
    r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( \S.*)?$"
)
SCALAR_TYPES = ("string", "slug", "integer", "boolean", "cidr", "enum", "choice", "ssh-public-key")
"""Types a list item or an object field may have (besides ``object`` for list items)."""

Label = Callable[[str], str]
"""How a parameter is named in messages: its answer name, or its config key at run time."""


class ValidationError(ValueError):
    """One value is wrong; the message is a single line meant for a person."""


def _string(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = "" if value is None else str(value).strip()
    if not text and not spec.get("optional", False):
        raise ValidationError(f"{name}: a value is required")
    pattern = spec.get("pattern")
    if text and pattern and not re.fullmatch(pattern, text):
        raise ValidationError(f"{name}: {text!r} does not match {pattern}")
    return text


def _slug(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    derived = spec.get("derived_from")
    hint = f" (derived from {derived}; set {name} to choose one)" if derived else ""
    text = "" if value is None else str(value).strip()
    if not text and derived:
        raise ValidationError(f"{name}: a value is required{hint}")
    text = _string(name, value, spec)
    if text and (not SLUG.match(text) or len(text) > 63):
        raise ValidationError(
            f"{name}: {text!r} is not a valid slug "
            "(lowercase letters, digits and single dashes, starting with a letter, at most 63)"
            + hint
        )
    return text


def _integer(name: str, value: Any, spec: Mapping[str, Any]) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"{name}: {value!r} is not a whole number")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a whole number") from None
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError(f"{name}: {number} is out of range ({low} to {high})")
    return number


def _boolean(name: str, value: Any, spec: Mapping[str, Any]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "on"):
        return True
    if text in ("false", "no", "n", "0", "off"):
        return False
    raise ValidationError(f"{name}: {value!r} is not yes or no")


def _cidr(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = _string(name, value, spec)
    if not text:
        return text
    try:
        network = ipaddress.IPv4Network(text, strict=True)
    except ValueError as error:
        raise ValidationError(
            f"{name}: {text!r} is not an IPv4 network in CIDR form ({error})"
        ) from None
    smallest = spec.get("max_prefix")
    if smallest is not None and network.prefixlen > smallest:
        raise ValidationError(f"{name}: {text} is too small (at most /{smallest})")
    return str(network)


def _enum(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = _string(name, value, spec)
    choices = [str(choice) for choice in spec.get("choices", [])]
    if text not in choices and not (not text and spec.get("optional", False)):
        raise ValidationError(f"{name}: {text!r} is not one of {', '.join(choices)}")
    return text


def _ssh_public_key(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = _string(name, value, spec)
    if text and not SSH_KEY.match(text):
        raise ValidationError(
            f"{name}: not an OpenSSH public key (e.g. 'ssh-ed25519 AAAA... me@host')"
        )
    return text


def _secret(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    """A secret's messages never repeat its value."""
    text = "" if value is None else str(value)
    if not text:
        if spec.get("optional", False):
            return ""
        raise ValidationError(
            f"{name}: not set; run `pulumi config set --secret {name}` (it is never an answer)"
        )
    least = spec.get("min_length")
    if least is not None and len(text) < least:
        raise ValidationError(f"{name}: has fewer than {least} characters")
    pattern = spec.get("pattern")
    if pattern and not re.fullmatch(pattern, text):
        raise ValidationError(f"{name}: does not match {pattern}")
    return text


def _structured(name: str, value: Any, kind: type, example: str) -> Any:
    """Lists and objects arrive as data, or as JSON text (cookiecutter, ``pulumi.Config``)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else kind()
        except ValueError:
            raise ValidationError(f"{name}: not valid JSON (e.g. {example})") from None
    if value is None:
        value = kind()
    if not isinstance(value, kind):
        raise ValidationError(f"{name}: expected {kind.__name__} (e.g. {example}), got {value!r}")
    return value


def _list(name: str, value: Any, spec: Mapping[str, Any]) -> list[Any]:
    items = _structured(name, value, list, "[...]")
    low, high = spec.get("min_items"), spec.get("max_items")
    if low is not None and len(items) < low:
        raise ValidationError(f"{name}: at least {low} item(s) needed, got {len(items)}")
    if high is not None and len(items) > high:
        raise ValidationError(f"{name}: at most {high} item(s) allowed, got {len(items)}")
    item_spec = spec.get("items", {"type": "string"})
    check = CHECKS[item_spec["type"]]
    return [check(f"{name}[{index}]", item, item_spec) for index, item in enumerate(items)]


def _object(name: str, value: Any, spec: Mapping[str, Any]) -> dict[str, Any]:
    given = _structured(name, value, dict, "{field: value}")
    fields = {field["name"]: field for field in spec.get("fields", [])}
    unknown = sorted(str(key) for key in given if key not in fields)
    if unknown:
        raise ValidationError(
            f"{name}: unknown field {unknown[0]!r}; known: {', '.join(fields) or 'none'}"
        )
    return {
        field: CHECKS[field_spec["type"]](
            f"{name}.{field}", given.get(field, field_spec.get("default")), field_spec
        )
        for field, field_spec in fields.items()
    }


CHECKS: dict[str, Callable[[str, Any, Mapping[str, Any]], Any]] = {
    "string": _string,
    "slug": _slug,
    "integer": _integer,
    "boolean": _boolean,
    "cidr": _cidr,
    "enum": _enum,
    "choice": _enum,
    "ssh-public-key": _ssh_public_key,
    "secret": _secret,
    "list": _list,
    "object": _object,
}


def config_key(name: str) -> str:
    """The Pulumi config key of a parameter: ``frontend_cidr`` -> ``frontendCidr``."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def check_known(
    spec: Mapping[str, Any], answers: Mapping[str, Any], private_ok: bool = True
) -> None:
    """Refuse an answer no parameter asks for (cookiecutter would silently drop it).

    ``private_ok`` lets cookiecutter's own ``_`` keys through. A secret is never
    an answer: cookiecutter keeps answers in clear in its replay file.
    """
    parameters = {parameter["name"]: parameter for parameter in spec["parameters"]}
    for key in answers:
        parameter = parameters.get(key)
        if parameter is not None and parameter["type"] == "secret":
            raise ValidationError(
                f"{key}: a secret is never an answer; after generating the project run "
                f"`pulumi config set --secret {config_key(key)}`"
            )
    names = {name for name, parameter in parameters.items() if parameter["type"] != "secret"}
    unknown = sorted(
        key for key in answers if key not in names and not (private_ok and key.startswith("_"))
    )
    if unknown:
        raise ValidationError(
            f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(names))}"
        )


def validate_answers(spec: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return the answers converted to their types, or raise ``ValidationError``.

    Keys starting with ``_`` (cookiecutter's private keys) pass through untouched.
    Secret parameters are not answers and are left out.
    """
    check_known(spec, answers)
    result = {key: value for key, value in answers.items() if key.startswith("_")}
    result.update(_check_all(spec, answers, lambda name: name, secrets=False))
    return result


def validate_config(spec: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a stack's config (by parameter name) the way ``osbp new`` checks answers.

    Messages name the config key (``frontendCidr: ...``); ``None`` means unset
    (the spec's default applies).
    """
    return _check_all(spec, values, config_key, secrets=True)


def _check_all(
    spec: Mapping[str, Any], values: Mapping[str, Any], label: Label, secrets: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for parameter in spec["parameters"]:
        name = parameter["name"]
        if parameter["type"] == "secret" and not secrets:
            continue
        value = values.get(name)
        if value is None:
            value = parameter.get("default")
        result[name] = CHECKS[parameter["type"]](label(name), value, parameter)
    for constraint in spec.get("constraints", []):
        _check_constraint(constraint, result, label)
    return result


# --- cross-field rules ----------------------------------------------------------------


def resolve(path: str, values: Mapping[str, Any], label: Label) -> list[tuple[str, Any]]:
    """Every (display name, value) a path names; ``pools[].min`` gives one per item."""
    head, *fields = path.split(".")
    name = head.removesuffix("[]")
    found: list[tuple[str, Any]] = [(label(name), values.get(name))]
    if head.endswith("[]"):
        found = _each_item(found)
    for segment in fields:
        field = segment.removesuffix("[]")
        found = [
            (f"{shown}.{field}", value.get(field) if isinstance(value, Mapping) else None)
            for shown, value in found
        ]
        if segment.endswith("[]"):
            found = _each_item(found)
    return found


def _each_item(found: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(f"{shown}[{i}]", item) for shown, value in found for i, item in enumerate(value or [])]


def _check_constraint(
    constraint: Mapping[str, Any], values: Mapping[str, Any], label: Label
) -> None:
    if "disjoint" in constraint:
        _check_disjoint(constraint["disjoint"], values, label)
    elif "unique" in constraint:
        paths = constraint["unique"]
        for path in [paths] if isinstance(paths, str) else paths:
            _check_unique(path, values, label, constraint.get("ignore", ()))
    elif "ordered" in constraint:
        _check_ordered(constraint["ordered"], values, label)
    elif "within" in constraint:
        _check_within(constraint["within"], values, label)
    elif "exactly_one" in constraint:
        _check_exactly_one(constraint["exactly_one"], values, label)
    elif "anywhere_needs" in constraint:
        _check_anywhere_needs(constraint["anywhere_needs"], values, label)
    elif "refers" in constraint:
        _check_refers(constraint["refers"], values, label)
    else:
        raise ValidationError(f"unknown constraint {dict(constraint)}")


def _check_disjoint(paths: list[str], values: Mapping[str, Any], label: Label) -> None:
    """No two networks named by the paths overlap (empty optional ones are skipped)."""
    networks = [
        (shown, ipaddress.IPv4Network(value))
        for path in paths
        for shown, value in resolve(path, values, label)
        if value
    ]
    for index, (first, first_net) in enumerate(networks):
        for second, second_net in networks[index + 1 :]:
            if first_net.overlaps(second_net):
                raise ValidationError(f"{second}: {second_net} overlaps {first} ({first_net})")


def _check_unique(
    path: str, values: Mapping[str, Any], label: Label, ignore: Sequence[Any] = ()
) -> None:
    """No value twice, except those of ``ignore`` (a VLAN id of 0: no VLAN)."""
    seen: dict[Any, str] = {}
    for shown, value in resolve(path, values, label):
        if value in ignore:
            continue
        if value in seen:
            raise ValidationError(f"{shown}: {value!r} is already used by {seen[value]}")
        seen[value] = shown


def _check_ordered(paths: list[str], values: Mapping[str, Any], label: Label) -> None:
    """``a <= b <= c``; list paths are compared item by item, plain ones with every item."""
    columns = [(path, resolve(path, values, label)) for path in paths]
    per_item = [len(column) for path, column in columns if "[]" in path]
    for row in range(max(per_item) if per_item else 1):
        chain = [column[row] if "[]" in path else column[0] for path, column in columns]
        for (low_name, low), (high_name, high) in itertools.pairwise(chain):
            if low is not None and high is not None and high < low:
                raise ValidationError(f"{high_name}: {high} is less than {low_name} ({low})")


def _check_within(paths: list[str], values: Mapping[str, Any], label: Label) -> None:
    """Every address the further paths name (empty ones skipped) is a host of the first
    path's network."""
    (network_name, network_text), *_ = resolve(paths[0], values, label)
    if not network_text:
        return
    network = ipaddress.IPv4Network(network_text)
    for path in paths[1:]:
        for shown, value in resolve(path, values, label):
            if not value:
                continue
            try:
                address = ipaddress.IPv4Address(str(value))
            except ValueError:
                raise ValidationError(f"{shown}: {value!r} is not an IPv4 address") from None
            if address not in network or address in (
                network.network_address,
                network.broadcast_address,
            ):
                raise ValidationError(
                    f"{shown}: {address} is not a host address of {network_name} ({network})"
                )


def _check_exactly_one(paths: list[str], values: Mapping[str, Any], label: Label) -> None:
    """Each item sets exactly one of the fields (``images[].url``, ``images[].file``)."""
    columns = [resolve(path, values, label) for path in paths]
    for row in zip(*columns, strict=True):
        given = [shown for shown, value in row if value not in (None, "")]
        if len(given) != 1:
            item = row[0][0].rsplit(".", 1)[0]
            fields = " or ".join(shown.rsplit(".", 1)[-1] for shown, _ in row)
            found = "both" if given else "neither"
            raise ValidationError(f"{item}: set exactly one of {fields} ({found} given)")


def _check_anywhere_needs(paths: list[str], values: Mapping[str, Any], label: Label) -> None:
    """A network open to the whole Internet (``/0``) only with the boolean override set."""
    (cidr_name, cidr), (flag_name, flag) = (resolve(path, values, label)[0] for path in paths)
    if cidr and ipaddress.IPv4Network(cidr).prefixlen == 0 and not flag:
        raise ValidationError(
            f"{cidr_name}: {cidr} opens it to the whole Internet; set {flag_name} to true"
            " if that is really meant"
        )


def _check_refers(paths: list[str], values: Mapping[str, Any], label: Label) -> None:
    """Every value of the first path (``tenants[].plan``) names an item of another list
    (``plans[].name``); empty values are skipped."""
    known = [str(value) for _, value in resolve(paths[1], values, label)]
    head, _, field = paths[1].partition("[]")
    for shown, value in resolve(paths[0], values, label):
        if value not in (None, "") and str(value) not in known:
            listed = ", ".join(known) or "none"
            raise ValidationError(
                f"{shown}: {value!r} is not one of {label(head)}[]{field} ({listed})"
            )


# --- generated by `osbp templates build` from blueprint.yaml ---
import json  # noqa: E402
import sys  # noqa: E402

SPEC = json.loads(r'''{
 "parameters": [
  {
   "name": "project_name",
   "type": "string",
   "help": "Human name of the project",
   "default": "cyber-lab"
  },
  {
   "name": "project_slug",
   "type": "slug",
   "default": "{{ cookiecutter.project_name|slugify(max_length=63) }}",
   "derived_from": "project_name",
   "help": "Folder and Pulumi project name"
  },
  {
   "name": "stack",
   "type": "slug",
   "default": "lab",
   "help": "Name of the first Pulumi stack"
  },
  {
   "name": "lab_cidr",
   "type": "cidr",
   "default": "10.66.0.0/24",
   "max_prefix": 26,
   "help": "CIDR of the lab subnet (no router, no gateway); its first 16 hosts are kept for fixed addresses"
  },
  {
   "name": "management_cidr",
   "type": "cidr",
   "default": "10.67.0.0/24",
   "max_prefix": 28,
   "help": "CIDR of the management subnet (the jump host, routed to the external network)"
  },
  {
   "name": "admin_cidr",
   "type": "cidr",
   "default": "",
   "optional": true,
   "help": "Network allowed to SSH to the jump host; empty keeps SSH closed"
  },
  {
   "name": "allow_ssh_from_anywhere",
   "type": "boolean",
   "default": false,
   "help": "Accept 0.0.0.0/0 as adminCidr (SSH to the jump host from the whole Internet)"
  },
  {
   "name": "external_network",
   "type": "string",
   "default": "public",
   "pattern": "[A-Za-z0-9_.-]+",
   "help": "Name of the external network for the management router and the jump host's floating IP"
  },
  {
   "name": "jump_public_ip",
   "type": "boolean",
   "default": true,
   "help": "Give the jump host a floating IP (lab VMs never get one)"
  },
  {
   "name": "jump_image",
   "type": "string",
   "default": "debian-12",
   "help": "Glance image of the jump host (Debian 12 or later with cloud-init)"
  },
  {
   "name": "jump_flavor",
   "type": "string",
   "default": "m1.small",
   "help": "Nova flavor of the jump host"
  },
  {
   "name": "lab_user",
   "type": "string",
   "default": "debian",
   "pattern": "[a-z_][a-z0-9_-]{0,31}",
   "help": "Default user of the lab images (Ansible logs in as this user with the lab key)"
  },
  {
   "name": "admin_rights",
   "type": "boolean",
   "default": false,
   "help": "The stack runs with admin rights; the lab network then asks Neutron for the vxlan provider type explicitly"
  },
  {
   "name": "strict_egress",
   "type": "boolean",
   "default": true,
   "help": "Delete Neutron's allow-all egress rules of the lab groups, so lab traffic never leaves the lab subnet"
  },
  {
   "name": "target_services",
   "type": "list",
   "min_items": 1,
   "items": {
    "type": "enum",
    "choices": [
     "http",
     "ftp"
    ]
   },
   "default": [
    "http",
    "ftp"
   ],
   "help": "Services every target exposes on the lab network (http = Apache, ftp = vsftpd); SSH always"
  },
  {
   "name": "images",
   "type": "list",
   "key": "name",
   "class_name": "LabImage",
   "items": {
    "type": "object",
    "fields": [
     {
      "name": "name",
      "type": "slug",
      "help": "Name of the image in this config (VMs refer to it)"
     },
     {
      "name": "url",
      "type": "string",
      "default": "",
      "optional": true,
      "pattern": "https?://\\S+",
      "help": "URL Glance downloads the image from"
     },
     {
      "name": "file",
      "type": "string",
      "default": "",
      "optional": true,
      "pattern": "\\S+",
      "help": "Local file uploaded by pulumi up"
     },
     {
      "name": "disk_format",
      "type": "enum",
      "default": "qcow2",
      "choices": [
       "qcow2",
       "raw",
       "vmdk",
       "vdi",
       "vhd",
       "vhdx",
       "iso"
      ],
      "help": "Glance disk format"
     },
     {
      "name": "container_format",
      "type": "enum",
      "default": "bare",
      "choices": [
       "bare",
       "ovf",
       "ova"
      ],
      "help": "Glance container format"
     },
     {
      "name": "vif_model",
      "type": "enum",
      "default": "e1000",
      "choices": [
       "e1000",
       "e1000e",
       "rtl8139",
       "virtio"
      ],
      "help": "hw_vif_model (emulated NIC the image's drivers expect)"
     },
     {
      "name": "disk_bus",
      "type": "enum",
      "default": "sata",
      "choices": [
       "sata",
       "ide",
       "scsi",
       "virtio"
      ],
      "help": "hw_disk_bus"
     },
     {
      "name": "video_model",
      "type": "enum",
      "default": "vga",
      "choices": [
       "vga",
       "cirrus",
       "qxl",
       "virtio"
      ],
      "help": "hw_video_model"
     },
     {
      "name": "os_distro",
      "type": "string",
      "default": "",
      "optional": true,
      "pattern": "[a-z0-9._-]+",
      "help": "os_distro property (e.g. debian or kali)"
     }
    ]
   },
   "default": [
    {
     "name": "range-debian",
     "url": "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2",
     "disk_format": "qcow2",
     "os_distro": "debian"
    }
   ],
   "help": "Glance images the stack uploads (exactly one of url or file each)"
  },
  {
   "name": "vms",
   "type": "list",
   "key": "name",
   "class_name": "LabVm",
   "min_items": 1,
   "items": {
    "type": "object",
    "fields": [
     {
      "name": "name",
      "type": "slug",
      "help": "Name of the VM (name-1, name-2... when count > 1)"
     },
     {
      "name": "role",
      "type": "enum",
      "choices": [
       "attacker",
       "target"
      ],
      "help": "attacker (tools) or target (services)"
     },
     {
      "name": "image",
      "type": "string",
      "help": "An image of images or the name of an existing Glance image"
     },
     {
      "name": "flavor",
      "type": "string",
      "default": "m1.small",
      "help": "Nova flavor"
     },
     {
      "name": "count",
      "type": "integer",
      "default": 1,
      "min": 1,
      "max": 16,
      "help": "How many identical VMs"
     },
     {
      "name": "fixed_ip",
      "type": "string",
      "default": "",
      "optional": true,
      "pattern": "[0-9.]+",
      "help": "Address on the lab subnet (the next ones follow when count > 1)"
     }
    ]
   },
   "default": [
    {
     "name": "attacker",
     "role": "attacker",
     "image": "range-debian",
     "flavor": "m1.small",
     "count": 1
    },
    {
     "name": "target",
     "role": "target",
     "image": "range-debian",
     "flavor": "m1.small",
     "count": 2
    }
   ],
   "help": "The lab's VMs"
  }
 ],
 "constraints": [
  {
   "disjoint": [
    "lab_cidr",
    "management_cidr"
   ]
  },
  {
   "unique": [
    "vms[].name",
    "images[].name"
   ]
  },
  {
   "exactly_one": [
    "images[].url",
    "images[].file"
   ]
  },
  {
   "within": [
    "lab_cidr",
    "vms[].fixed_ip"
   ]
  },
  {
   "anywhere_needs": [
    "admin_cidr",
    "allow_ssh_from_anywhere"
   ]
  }
 ]
}''')
{% endraw %}ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
{% raw %}
try:
    validate_answers(SPEC, ANSWERS)
except ValidationError as error:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)
{% endraw %}