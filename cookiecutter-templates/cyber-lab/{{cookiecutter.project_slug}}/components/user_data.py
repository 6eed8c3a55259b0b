"""Render the node configuration files in ``cloud-init/`` with deploy-time values.

Files use ``string.Template`` placeholders (``${db_host}``); a literal ``$`` is
written ``$$``. Values may be Pulumi outputs, secrets included: the rendered
text stays an ``Output`` and inherits their secrecy, so a password never
appears in clear in the state or in a preview.

Every node's configuration is its role's file merged with the shared fragments
(``cloud-init/node-hardening.yaml``: what every node of every blueprint needs
before its role starts). A value that cannot be right (``None``, an unknown
value, an empty string) stops the program instead of being written into the
node's configuration as ``None``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED_FRAGMENTS = ("cloud-init/node-hardening.yaml",)
"""Merged into every node's cloud-config, before the role's own entries."""
SCRIPT_KEYS = ("bootcmd", "runcmd")
"""cloud-init joins these lists into one shell script each: it must stop at the first failure."""
STOP_ON_ERROR = "set -e"
UNKNOWN_MARKERS = (rpc.UNKNOWN, "(known after apply)")


class UnrenderableValue(ValueError):
    """A placeholder would be rendered with a value that cannot be the deployed one."""


@dataclass
class CloudConfig:
    """A ``#cloud-config`` template of ``cloud-init/`` and the values it needs."""

    template: str
    """Path relative to the project, e.g. ``cloud-init/mysql.yaml``."""
    values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    may_be_empty: Collection[str] = ()
    """Placeholders whose value may legitimately be the empty string."""
    fragments: Sequence[str] = SHARED_FRAGMENTS

    def render(self, extra: Mapping[str, pulumi.Input[str]] | None = None) -> pulumi.Output[str]:
        """The merged cloud-config; a placeholder without a usable value is an error.

        A missing value fails at once; ``None``, unknown and empty values fail when
        the values resolve (during ``pulumi up``; a preview leaves the text unknown).
        """
        texts = {name: (PROJECT_DIR / name).read_text(encoding="utf-8")
                 for name in [self.template, *self.fragments]}  # fmt: skip
        values = {**self.values, **(extra or {})}
        needed: set[str] = set()
        for name, text in texts.items():
            if not Template(text).is_valid():
                raise UnrenderableValue(f"{name}: a lone $ (write $$ for a literal dollar sign)")
            for placeholder in Template(text).get_identifiers():
                if placeholder not in values:
                    raise UnrenderableValue(f"{name}: no value for {_ref(placeholder)}")
                needed.add(placeholder)
        inputs = {key: values[key] for key in sorted(needed)}

        def _render(resolved: dict[str, Any]) -> str:
            return render_cloud_config(self.template, texts, resolved, self.may_be_empty)

        return pulumi.Output.all(**inputs).apply(_render)


def render_cloud_config(
    template: str,
    texts: Mapping[str, str],
    values: Mapping[str, Any],
    may_be_empty: Collection[str] = (),
) -> str:
    """Substitute ``values`` into each text, then merge the fragments into ``template``'s."""
    documents = {}
    for name, text in texts.items():
        for placeholder in Template(text).get_identifiers():
            check_value(name, placeholder, values.get(placeholder), placeholder in may_be_empty)
        rendered = Template(text).substitute(values)
        document = yaml.safe_load(rendered)
        if not isinstance(document, dict) or not rendered.startswith("#cloud-config"):
            raise UnrenderableValue(f"{name}: not a #cloud-config mapping")
        documents[name] = document
    merged = documents.pop(template)
    for name, fragment in documents.items():
        merged = merge_cloud_configs(fragment, merged, name)
    for key in SCRIPT_KEYS:
        commands = merged.get(key)
        if commands and commands[0] != STOP_ON_ERROR:
            merged[key] = [STOP_ON_ERROR, *commands]
    return "#cloud-config\n" + yaml.dump(
        merged, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096
    )


def check_value(template: str, placeholder: str, value: Any, may_be_empty: bool) -> None:
    """Refuse what would render as ``None``, an unknown or nothing at all."""
    problem = None
    if value is None:
        problem = "is None"
    elif isinstance(value, pulumi.output.Unknown) or any(
        marker in str(value) for marker in UNKNOWN_MARKERS
    ):
        problem = "is unknown"
    elif not isinstance(value, str | int):
        problem = f"is a {type(value).__name__}, not a string"
    elif str(value) == "" and not may_be_empty:
        problem = "is empty"
    if problem:
        raise UnrenderableValue(f"{template}: the value of {_ref(placeholder)} {problem}")


def _ref(placeholder: str) -> str:
    return "$" + "{" + placeholder + "}"


def merge_cloud_configs(first: dict[str, Any], then: dict[str, Any], source: str) -> dict[str, Any]:
    """``then`` with ``first`` merged in: lists are ``first``'s items followed by ``then``'s,
    mappings merge key by key, and two different scalars for one key are an error."""
    merged = dict(then)
    for key, value in first.items():
        if key not in merged:
            merged[key] = value
        elif isinstance(value, list) and isinstance(merged[key], list):
            merged[key] = [*value, *merged[key]]
        elif isinstance(value, dict) and isinstance(merged[key], dict):
            merged[key] = merge_cloud_configs(value, merged[key], source)
        elif value != merged[key]:
            raise UnrenderableValue(f"{source}: {key} = {value!r} conflicts with {merged[key]!r}")
    return merged


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (scripts, file contents) as literal blocks and short commands on
    one line, as they were written."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    one_line = all(isinstance(i, str) and "\n" not in i for i in items) and (
        sum(len(i) + 2 for i in items) < 90
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=one_line)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
