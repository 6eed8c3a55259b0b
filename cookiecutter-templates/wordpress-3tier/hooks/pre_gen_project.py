{% raw %}"""Validate a blueprint's answers against its parameter spec.

Standard library only: ``osbp templates build`` embeds this module in every
template's ``pre_gen_project`` hook, so plain cookiecutter enforces exactly the
rules ``osbp new`` does.

A spec is plain data (what ``blueprint.yaml`` says)::

    {"parameters": [{"name": "frontend_cidr", "type": "cidr", ...}, ...],
     "constraints": [{"disjoint": ["frontend_cidr", "backend_cidr"]}]}
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SSH_KEY = re.compile(
    r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( \S.*)?$"
)


class ValidationError(ValueError):
    """One answer is wrong; the message is a single line meant for a person."""


def _string(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = "" if value is None else str(value).strip()
    if not text and not spec.get("optional", False):
        raise ValidationError(f"{name}: a value is required")
    pattern = spec.get("pattern")
    if text and pattern and not re.fullmatch(pattern, text):
        raise ValidationError(f"{name}: {text!r} does not match {pattern}")
    return text


def _slug(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = _string(name, value, spec)
    if not SLUG.match(text) or len(text) > 63:
        raise ValidationError(
            f"{name}: {text!r} is not a valid slug "
            "(lowercase letters, digits and single dashes, starting with a letter, at most 63)"
        )
    return text


def _integer(name: str, value: Any, spec: Mapping[str, Any]) -> int:
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


def _choice(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = _string(name, value, spec)
    choices = [str(choice) for choice in spec.get("choices", [])]
    if text not in choices:
        raise ValidationError(f"{name}: {text!r} is not one of {', '.join(choices)}")
    return text


def _ssh_public_key(name: str, value: Any, spec: Mapping[str, Any]) -> str:
    text = _string(name, value, spec)
    if text and not SSH_KEY.match(text):
        raise ValidationError(
            f"{name}: not an OpenSSH public key (e.g. 'ssh-ed25519 AAAA... me@host')"
        )
    return text


CHECKS: dict[str, Callable[[str, Any, Mapping[str, Any]], Any]] = {
    "string": _string,
    "slug": _slug,
    "integer": _integer,
    "boolean": _boolean,
    "cidr": _cidr,
    "choice": _choice,
    "ssh-public-key": _ssh_public_key,
}


def check_known(
    spec: Mapping[str, Any], answers: Mapping[str, Any], private_ok: bool = True
) -> None:
    """Refuse an answer no parameter asks for (cookiecutter would silently drop it).

    ``private_ok`` lets cookiecutter's own ``_`` keys through.
    """
    names = {parameter["name"] for parameter in spec["parameters"]}
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
    """
    check_known(spec, answers)
    parameters = {parameter["name"]: parameter for parameter in spec["parameters"]}
    result = {key: value for key, value in answers.items() if key.startswith("_")}
    for name, parameter in parameters.items():
        value = answers.get(name, parameter.get("default"))
        result[name] = CHECKS[parameter["type"]](name, value, parameter)
    for constraint in spec.get("constraints", []):
        _check_constraint(constraint, result)
    return result


def _check_constraint(constraint: Mapping[str, Any], answers: Mapping[str, Any]) -> None:
    if "disjoint" in constraint:
        names = list(constraint["disjoint"])
        networks = [(name, ipaddress.IPv4Network(answers[name])) for name in names if answers[name]]
        for index, (first, first_net) in enumerate(networks):
            for second, second_net in networks[index + 1 :]:
                if first_net.overlaps(second_net):
                    raise ValidationError(
                        f"{first} ({first_net}) and {second} ({second_net}) overlap"
                    )
    else:
        raise ValidationError(f"unknown constraint {dict(constraint)}")


# --- generated by `osbp templates build` from blueprint.yaml ---
import json  # noqa: E402
import sys  # noqa: E402

SPEC = json.loads(r'''{
 "parameters": [
  {
   "name": "project_name",
   "type": "string",
   "help": "Human name of the project",
   "default": "wordpress-3tier"
  },
  {
   "name": "project_slug",
   "type": "slug",
   "default": "{{ cookiecutter.project_name|lower|replace(' ', '-')|replace('_', '-') }}",
   "help": "Folder and Pulumi project name"
  },
  {
   "name": "stack",
   "type": "slug",
   "default": "dev",
   "help": "Name of the first Pulumi stack"
  },
  {
   "name": "frontend_cidr",
   "type": "cidr",
   "default": "10.0.1.0/24",
   "max_prefix": 28,
   "help": "CIDR of the frontend subnet (the WordPress tier)"
  },
  {
   "name": "backend_cidr",
   "type": "cidr",
   "default": "10.0.2.0/24",
   "max_prefix": 28,
   "help": "CIDR of the backend subnet (the MySQL tier)"
  },
  {
   "name": "admin_cidr",
   "type": "cidr",
   "default": "",
   "optional": true,
   "help": "Network allowed to SSH to the nodes; empty keeps SSH closed"
  },
  {
   "name": "external_network",
   "type": "string",
   "default": "public",
   "pattern": "[A-Za-z0-9_.-]+",
   "help": "Name of the external network for the router and the floating IP"
  },
  {
   "name": "image",
   "type": "string",
   "default": "ubuntu-22.04",
   "help": "Glance image of both nodes (Debian or Ubuntu with cloud-init)"
  },
  {
   "name": "web_flavor",
   "type": "string",
   "default": "m1.medium",
   "help": "Nova flavor of the WordPress VM"
  },
  {
   "name": "db_flavor",
   "type": "string",
   "default": "m1.large",
   "help": "Nova flavor of the MySQL VM"
  },
  {
   "name": "db_volume_size",
   "type": "integer",
   "default": 20,
   "min": 1,
   "max": 16384,
   "help": "Size in GB of the Cinder volume holding the database"
  },
  {
   "name": "db_volume_type",
   "type": "string",
   "default": "",
   "optional": true,
   "help": "Cinder volume type of the database volume; empty uses the cloud's default"
  },
  {
   "name": "public_key",
   "type": "ssh-public-key",
   "default": "",
   "optional": true,
   "help": "SSH public key installed on both nodes; empty installs none"
  },
  {
   "name": "protect_data",
   "type": "boolean",
   "default": true,
   "help": "Protect the database volume from deletion (pulumi destroy refuses until unprotected)"
  },
  {
   "name": "admin_user",
   "type": "string",
   "default": "admin",
   "pattern": "[a-z][a-z0-9._-]{0,59}",
   "help": "Login of the WordPress administrator (its password is generated)"
  },
  {
   "name": "admin_email",
   "type": "string",
   "default": "admin@example.com",
   "pattern": "[^@\\s]+@[^@\\s]+\\.[^@\\s]+",
   "help": "E-mail address of the WordPress administrator"
  },
  {
   "name": "site_hostname",
   "type": "string",
   "default": "",
   "optional": true,
   "pattern": "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}",
   "help": "Host name the site is served under (its DNS record points at the floating IP); empty uses the floating IP"
  }
 ],
 "constraints": [
  {
   "disjoint": [
    "frontend_cidr",
    "backend_cidr"
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