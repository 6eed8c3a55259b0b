"""``python -m billing`` (``make billing``): apply this stack's CloudKitty rating rules.

Run from the project directory after ``pulumi up``, with the operator's credentials (OS_*
variables, Keystone's system administrator, or OS_CLOUD). Prices come from ``--prices FILE``
(JSON or YAML) or else from the stack's config key ``<project>:prices`` in
``Pulumi.<stack>.yaml``, the stack being ``--stack``, ``PULUMI_STACK`` or the only stack file.

Exit status: 0 done (or nothing to do), 1 OpenStack or CloudKitty failed, 2 bad prices or
config. Every failure is one ``error:`` line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keystoneauth1.exceptions
import openstack
import openstack.connection
import openstack.exceptions
import yaml

from billing import (
    RATING_FILTER,
    SERVICES,
    Action,
    CloudKittyClient,
    CloudKittyError,
    Prices,
    PricesError,
    apply,
    decimal_text,
    parse_prices,
    plan,
    read_state,
    show,
)

SCOPE_VARIABLES = (
    "OS_CLOUD",
    "OS_PROJECT_NAME",
    "OS_PROJECT_ID",
    "OS_TENANT_NAME",
    "OS_TENANT_ID",
    "OS_SYSTEM_SCOPE",
    "OS_DOMAIN_NAME",
    "OS_DOMAIN_ID",
)
"""Any of these chooses the token's scope; with none, billing asks for system scope."""

FIELD_DEFAULTS: dict[str, str] = {"cpu": "0.02", "ram": "0.00001", "storage": "0.0005"}
"""The blueprint's price defaults, used when the project has no config-spec.json."""

CONFIG_KEY = "prices"


class OpenStackError(Exception):
    """OpenStack could not be reached, or has no rating service (exit 1)."""


# ---------------------------------------------------------------------------------------------
# prices


def read_prices_file(path: Path) -> Prices:
    """``--prices FILE``: a JSON or YAML object with every price."""
    return parse_prices(_load(path), path.name)


def read_stack_prices(directory: Path, stack: str | None = None) -> tuple[Prices, str]:
    """The stack config's ``<project>:prices`` and where it came from.

    As ``Settings.load()`` sees it: a key absent from the stack file takes the project's
    default (``Pulumi.yaml``), a field absent from the object takes the field's default
    (``config-spec.json``), anything else wrong is a ``PricesError``.
    """
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise PricesError(
            f"no Pulumi.yaml in {directory}: run from the project directory or pass --prices FILE"
        )
    project = _load(project_file)
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name:
        raise PricesError("Pulumi.yaml: no project name")
    stack_file = choose_stack_file(directory, stack)
    document = _load(stack_file)
    config = document.get("config") if isinstance(document, dict) else None
    key = f"{name}:{CONFIG_KEY}"
    source = f"{stack_file.name} ({key})"
    if isinstance(config, dict) and key in config:
        raw = _structured(config[key], source)
    else:
        raw = _project_default(project, name)
        source = f"Pulumi.yaml (default of {key})"
    return parse_prices(raw, source, field_defaults(directory)), source


def choose_stack_file(directory: Path, stack: str | None = None) -> Path:
    """``Pulumi.<stack>.yaml`` of ``stack``, else of PULUMI_STACK, else the only one."""
    stack = stack or os.environ.get("PULUMI_STACK") or None
    if stack:
        short = stack.rsplit("/", 1)[-1]  # org/project/stack -> stack
        path = directory / f"Pulumi.{short}.yaml"
        if not path.is_file():
            raise PricesError(f"stack {stack}: no {path.name} in {directory}")
        return path
    found = sorted(directory.glob("Pulumi.*.yaml"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise PricesError(f"no Pulumi.<stack>.yaml in {directory}: pass --stack or --prices FILE")
    names = ", ".join(path.name for path in found)
    raise PricesError(f"several stacks ({names}): choose one with --stack or PULUMI_STACK")


def field_defaults(directory: Path) -> dict[str, object]:
    """Each price's default from the project's config-spec.json (else the blueprint's)."""
    spec_file = directory / "config-spec.json"
    if not spec_file.is_file():
        return dict(FIELD_DEFAULTS)
    try:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return dict(FIELD_DEFAULTS)
    parameters = spec.get("parameters") if isinstance(spec, dict) else None
    for parameter in parameters if isinstance(parameters, list) else []:
        if isinstance(parameter, dict) and parameter.get("config_key") == CONFIG_KEY:
            fields = parameter.get("fields")
            return {
                f["name"]: f["default"]
                for f in (fields if isinstance(fields, list) else [])
                if isinstance(f, dict) and isinstance(f.get("name"), str) and "default" in f
            }
    return dict(FIELD_DEFAULTS)


def _project_default(project: Any, name: str) -> object:
    config = project.get("config") if isinstance(project, dict) else None
    if not isinstance(config, dict):
        return {}
    declared = config.get(CONFIG_KEY, config.get(f"{name}:{CONFIG_KEY}"))
    if isinstance(declared, dict):
        for key in ("value", "default"):
            if key in declared:
                return _structured(declared[key], "Pulumi.yaml")
    return {}


def _structured(value: object, source: str) -> object:
    """A config object, or the JSON/YAML text of one (``pulumi config set`` stores text)."""
    if not isinstance(value, str):
        return {} if value is None else value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as error:
        raise PricesError(f"{source}: not a JSON or YAML object ({_one_line(error)})") from None


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PricesError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PricesError(f"{path.name}: not valid JSON or YAML ({_one_line(error)})") from None


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


# ---------------------------------------------------------------------------------------------
# OpenStack


def connect(environ: Mapping[str, str] | None = None) -> openstack.connection.Connection:
    """openstacksdk's connection from OS_CLOUD / OS_*; system scope when none is chosen."""
    env = os.environ if environ is None else environ
    if any(env.get(name) for name in SCOPE_VARIABLES):
        return openstack.connect()
    return openstack.connect(system_scope="all")


def open_client(environ: Mapping[str, str] | None = None) -> CloudKittyClient:
    """A CloudKitty client over the connection's session, at the catalog's rating endpoint."""
    conn = connect(environ)
    try:
        endpoint = conn.endpoint_for("rating", interface=RATING_FILTER["interface"])
    except keystoneauth1.exceptions.EndpointNotFound:
        endpoint = None
    if not endpoint:
        raise OpenStackError(
            "the service catalog has no public rating endpoint: is CloudKitty deployed "
            "and registered in Keystone?"
        )
    return CloudKittyClient(conn.session, endpoint, RATING_FILTER)


# ---------------------------------------------------------------------------------------------
# command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m billing",
        description="Apply the CloudKitty hashmap rules (cpu, ram, storage) of this stack.",
    )
    parser.add_argument("--prices", type=Path, metavar="FILE", help="JSON or YAML prices")
    parser.add_argument("--stack", help="stack whose Pulumi.<stack>.yaml holds the prices")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    mode.add_argument("--show", action="store_true", help="print the rules and a 1-unit quote")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # keystoneauth warns on stderr while it discovers versions: noise around the one error line
    quiet = logging.getLogger("keystoneauth")
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.ERROR)
    try:
        if args.show:
            for line in show(open_client()):
                print(f"billing: {line}")
            return 0
        if args.prices is not None:
            prices, source = read_prices_file(args.prices), args.prices.name
        else:
            prices, source = read_stack_prices(Path.cwd(), args.stack)
        listed = ", ".join(f"{name} {decimal_text(prices[name])}" for name in SERVICES)
        print(f"billing: prices {listed} (from {source})")
        client = open_client()
        if args.dry_run:
            return _dry_run(client, prices)
        done = apply(client, prices, _progress)
    except PricesError as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except (OpenStackError, CloudKittyError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 1
    except (keystoneauth1.exceptions.ClientException, openstack.exceptions.SDKException) as error:
        print(f"error: OpenStack: {_one_line(error) or type(error).__name__}", file=sys.stderr)
        return 1
    if done:
        print(f"billing: {len(done)} change(s)")
    else:
        print("billing: up to date, nothing changed")
    return 0


def _progress(action: Action) -> None:
    print(f"billing: {action.text(done=True)}", flush=True)


def _dry_run(client: CloudKittyClient, prices: Prices) -> int:
    actions = plan(prices, read_state(client, prices))
    for action in actions:
        print(f"billing: plan: {action.text(done=False)}")
    if actions:
        print(f"billing: dry run, {len(actions)} change(s) planned, none made")
    else:
        print("billing: up to date, nothing to change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
