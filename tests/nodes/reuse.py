"""Reuse of a passing node-test result when nothing that can change it has changed.

The key covers what decides the outcome: every node's rendered configuration (user data,
addresses, disks), the image (its key: package list and build script), the harness's own
code and the blueprint's checks, and the VM settings. Any change gives a new key, and a new key
boots the VMs again. Only passing runs are stored, per machine (in the image cache).
"""

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from .image import CACHE, Image
from .spec import Deployment

HARNESS = Path(__file__).resolve().parent
RESULTS = CACHE / "results"


def result_key(deployment: Deployment, image: Image, checks_file: Path) -> str:
    digest = hashlib.sha256()

    def add(label: str, data: str | bytes) -> None:
        raw = data.encode() if isinstance(data, str) else data
        digest.update(f"{label}:{len(raw)}:".encode() + raw)

    for node in deployment.nodes:
        add("role", node.role)
        add("hostname", node.hostname)
        add("user-data", node.user_data)
        add("addresses", " ".join(str(a) for a in node.addresses))
        add("disks", " ".join(f"{d.serial}/{d.size_gib}" for d in node.disks))
    add("image", image.dir.name)
    for path in sorted(HARNESS.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".sh") and not path.name.startswith("test_"):
            add(str(path.relative_to(HARNESS)), path.read_bytes())
    add("checks", checks_file.read_bytes())
    for knob in ("OSBP_NODES_ACCEL", "OSBP_NODES_MEM"):
        add(knob, os.environ.get(knob, ""))
    return digest.hexdigest()[:20]


def _path(blueprint: str, key: str) -> Path:
    return RESULTS / f"{blueprint}-{key}.json"


def passing_result(blueprint: str, key: str) -> dict[str, Any] | None:
    """The stored passing run for this key, if any."""
    path = _path(blueprint, key)
    if not path.is_file():
        return None
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def store_passing(blueprint: str, key: str, results: list[dict[str, Any]], seconds: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {
        "blueprint": blueprint,
        "key": key,
        "passed_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "seconds": round(seconds),
        "results": results,
    }
    _path(blueprint, key).write_text(json.dumps(record, indent=2) + "\n")
