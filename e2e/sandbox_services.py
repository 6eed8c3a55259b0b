"""``python -m e2e.sandbox_services [BLUEPRINT ...]``: the ``sandbox/up.sh`` flags of the
optional services the named blueprints (or the whole catalog) declare in their ``services``.

The sandbox starts Keystone, Nova, Neutron, Glance, Cinder and Heat always; Swift, Octavia
and CloudKitty only when a blueprint of the run needs them, so an acceptance run of one
blueprint pays for the services it uses and no more.
"""

from __future__ import annotations

import sys

from generator.catalog import Blueprint, get_blueprint, list_blueprints
from generator.errors import UnknownBlueprintError

OPTIONAL = {"swift": "--with-swift", "octavia": "--with-octavia", "cloudkitty": "--with-cloudkitty"}
"""Service of a blueprint.yaml -> the up.sh flag that starts it."""


def flags_for(blueprints: list[Blueprint]) -> list[str]:
    needed = {service for blueprint in blueprints for service in blueprint.services}
    return [flag for service, flag in OPTIONAL.items() if service in needed]


def main(names: list[str]) -> int:
    try:
        blueprints = [get_blueprint(n) for n in names] if names else list_blueprints()
    except UnknownBlueprintError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(" ".join(flags_for(blueprints)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
