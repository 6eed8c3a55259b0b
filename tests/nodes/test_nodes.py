"""The node tests as pytest tests, deselected by the fast suite (``-m 'not nodes'``).

Run them with ``pytest -m nodes tests/nodes`` (two VM runs, 10-20 min under TCG).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .roles import for_blueprint

REPO = Path(__file__).resolve().parents[2]
BLUEPRINT = "wordpress-3tier"

pytestmark = pytest.mark.nodes


def run_harness(logdir: Path, *args: str) -> tuple[int, dict[str, bool]]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.nodes", BLUEPRINT, "--logdir", str(logdir), "--keep-logs",
         *args],
        cwd=REPO,
    )  # fmt: skip
    results = json.loads((logdir / "results.json").read_text())
    return proc.returncode, {r["name"]: r["passed"] for r in results}


def test_generated_nodes_pass_every_check(tmp_path: Path) -> None:
    code, results = run_harness(tmp_path)
    assert results and all(results.values()), [n for n, ok in results.items() if not ok]
    assert code == 0


def test_wrong_db_password_on_web_node_is_caught(tmp_path: Path) -> None:
    """Negative control: the harness must be able to fail."""
    code, results = run_harness(tmp_path, "--negative")
    failed = {name for name, ok in results.items() if not ok}
    assert set(for_blueprint(BLUEPRINT).expected_failures) <= failed
    assert code == 0  # with --negative, 0 means "the breakage was detected"
