"""The node tests as a pytest test, deselected by the fast suite (``-m 'not nodes'``).

Run it with ``pytest -m nodes tests/nodes`` (every blueprint of the catalog, ``BLUEPRINTS`` to
pick; 8-15 min per blueprint under TCG, or the reused result of an unchanged passing run).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.nodes


def test_every_node_passes_every_check(tmp_path: Path) -> None:
    blueprints = os.environ.get("BLUEPRINTS", "").split()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.nodes", *blueprints, "--logdir", str(tmp_path),
         "--keep-logs"],
        cwd=REPO,
    )  # fmt: skip
    runs = sorted(tmp_path.glob("*/results.json"))
    for path in runs:
        results = json.loads(path.read_text())
        failed = [r["name"] for r in results if not r["passed"]]
        assert results and not failed, f"{path.parent.name}: {failed}"
    assert proc.returncode == 0
