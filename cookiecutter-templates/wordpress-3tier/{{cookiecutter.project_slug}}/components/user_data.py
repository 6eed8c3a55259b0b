"""Render the node configuration files in ``cloud-init/`` with deploy-time values.

Files use ``string.Template`` placeholders (``${db_host}``); a literal ``$`` is
written ``$$``. Values may be Pulumi outputs, secrets included: the rendered
text stays an ``Output`` and inherits their secrecy, so a password never
appears in clear in the state or in a preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import pulumi

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass
class CloudConfig:
    """A ``#cloud-config`` template of ``cloud-init/`` and the values it needs."""

    template: str
    """Path relative to the project, e.g. ``cloud-init/mysql.yaml``."""
    values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def render(self, extra: Mapping[str, pulumi.Input[str]] | None = None) -> pulumi.Output[str]:
        """Substitute every placeholder; a missing value is an error, never an empty string."""
        text = (PROJECT_DIR / self.template).read_text(encoding="utf-8")
        template = Template(text)
        values = {**self.values, **(extra or {})}
        return pulumi.Output.all(**values).apply(lambda resolved: template.substitute(resolved))
