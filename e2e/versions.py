"""The SDK versions the acceptance run verifies, and the ones a generated project pins.

``e2e/tools/versions.env`` pins the engine's plugins and their Python SDKs; the generated
``requirements.txt`` must pin exactly those (``==``), so that what users install is what
``make e2e`` deployed with.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSIONS_ENV = REPO / "e2e/tools/versions.env"
PROJECT_REQUIREMENTS = REPO / "blueprints/_shared/project/requirements.txt"

_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+-]+)$")


def _env_values(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#"):
            values[key.strip()] = value.strip().strip("\"'")
    return values


def parse_pins(lines: list[str], source: str) -> dict[str, str]:
    """``{package: version}`` of ``name==version`` lines; anything looser is an error."""
    pins = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if match is None:
            raise ValueError(f"{source}: {line!r} is not an exact pin (name==version)")
        pins[match.group(1).lower()] = match.group(2)
    return pins


def verified_sdks(path: Path = VERSIONS_ENV) -> dict[str, str]:
    """The ``PY_*_PIN`` entries of versions.env: the SDKs matching the engine's plugins."""
    values = _env_values(path)
    pins = [value for key, value in sorted(values.items()) if re.fullmatch(r"PY_\w+_PIN", key)]
    return parse_pins(pins, str(path))


def project_requirements(path: Path = PROJECT_REQUIREMENTS) -> dict[str, str]:
    return parse_pins(path.read_text(encoding="utf-8").splitlines(), str(path))
