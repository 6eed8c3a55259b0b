"""Which stack an offline run uses, and what its secret config reads as.

The project's own tests and ``osbp preview`` run the stack named by
``PULUMI_STACK``, else the answers file's ``stack``, else the only stack file.
Secret config (``secret: true`` in Pulumi.yaml, ``secure:`` in a stack file)
cannot be decrypted offline: it reads as a distinct mock value, kept secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.errors import PreviewError
from generator.preview import capture_program, load_runner

READS_CONFIG = """
import pulumi

config = pulumi.Config()
pulumi.export("flavor", config.require("flavor"))
pulumi.export("token", config.require_secret("apiToken"))
pulumi.export("password", config.require_secret("adminPassword"))
pulumi.export("tenants", config.require_object("tenants"))
"""

PROJECT_CONFIG = {
    "flavor": {"type": "string", "default": "m1.small"},
    "apiToken": {"type": "string", "secret": True},
    "tenants": {"type": "array", "default": []},
}
ENCRYPTED = {"secure": "v1:Zm9vYmFy:bm90LXJlYWw="}


@pytest.fixture
def project(tmp_path: Path, offline_project: Callable[..., Path]) -> Path:
    root = offline_project(
        tmp_path / "p",
        READS_CONFIG,
        project_config=PROJECT_CONFIG,
        config={"adminPassword": ENCRYPTED, "tenants": [{"name": "acme", "cores": 8}]},
        stack="dev",
    )
    prod = {"config": {"fixture:flavor": "m1.large", "fixture:adminPassword": ENCRYPTED}}
    (root / "Pulumi.prod.yaml").write_text(json.dumps(prod))
    return root


def stack_of(project: Path) -> str:
    return str(load_runner(project).choose_stack(project))


def test_pulumi_stack_picks_the_stack(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    capture = capture_program(project)
    assert capture.stack == "prod"
    assert capture.outputs["flavor"] == "m1.large"


def test_the_answers_file_names_the_stack_otherwise(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    (project / ".osbp-answers.yml").write_text("blueprint: fixture\nanswers:\n  stack: dev\n")
    assert stack_of(project) == "dev"
    (project / ".osbp-answers.yml").write_text("blueprint: fixture\nanswers:\n  stack: prod\n")
    assert stack_of(project) == "prod"


def test_several_stacks_and_no_hint_is_one_clear_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    with pytest.raises(PreviewError, match=r"choose a stack among \['dev', 'prod'\].*PULUMI_STACK"):
        capture_program(project)
    (project / "Pulumi.prod.yaml").unlink()
    assert stack_of(project) == "dev", "the only stack file"


def test_secret_config_reads_as_distinct_mock_values_kept_secret(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev")
    runner = load_runner(project)
    run = runner.run_offline(project)
    token, password = run.outputs["token"], run.outputs["password"]
    assert isinstance(token, runner.Secret) and isinstance(password, runner.Secret)
    assert token.value == runner.mock_secret_config("fixture:apiToken")
    assert password.value == runner.mock_secret_config("fixture:adminPassword")
    assert token.value != password.value and token.value.startswith("mock-secret-")
    assert ENCRYPTED["secure"] not in json.dumps(runner.reveal(run.outputs))
    stack = runner.read_stack_config(project)
    assert stack.secret_keys == ["fixture:adminPassword", "fixture:apiToken"]
    assert run.outputs["tenants"] == [{"name": "acme", "cores": 8}], "objects arrive as JSON"


def test_a_declared_secret_in_clear_in_the_stack_file_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "prod")
    prod = {"config": {"fixture:apiToken": "in-clear"}}
    (project / "Pulumi.prod.yaml").write_text(json.dumps(prod))
    with pytest.raises(PreviewError, match="'fixture:apiToken' must be encrypted as it's secret"):
        capture_program(project)


TYPED_CONFIG = {
    "replicas": {"type": "integer", "default": 1},
    "public": {"type": "boolean", "default": False},
}


@pytest.mark.parametrize(
    ("replicas", "public", "exported"),
    [(3, True, ("3", "true")), ("3", "true", ("3", "true")), ("-2", "false", ("-2", "false"))],
)
def test_typed_values_as_pulumi_config_set_writes_them_are_accepted(
    tmp_path: Path,
    offline_project: Callable[..., Path],
    replicas: object,
    public: object,
    exported: tuple[str, str],
) -> None:
    """`pulumi config set replicas 3` writes the string "3": the CLI accepts it as an integer."""
    program = 'import pulumi\nc = pulumi.Config()\npulumi.export("r", c.get("replicas"))\n'
    program += 'pulumi.export("p", c.get("public"))\n'
    root = offline_project(
        tmp_path / "p", program, project_config=TYPED_CONFIG,
        config={"replicas": replicas, "public": public}, stack="dev",
    )  # fmt: skip
    outputs = capture_program(root).outputs
    assert (outputs["r"], outputs["p"]) == exported


@pytest.mark.parametrize(
    ("key", "value"),
    [("replicas", "three"), ("replicas", True), ("replicas", "3.5"), ("public", "yes"),
     ("public", 1)],
)  # fmt: skip
def test_values_pulumi_would_refuse_for_their_type_are_refused(
    tmp_path: Path, offline_project: Callable[..., Path], key: str, value: object
) -> None:
    root = offline_project(
        tmp_path / "p", "import pulumi\n", project_config=TYPED_CONFIG,
        config={key: value}, stack="dev",
    )  # fmt: skip
    with pytest.raises(PreviewError, match=f"'fixture:{key}' must be of type"):
        capture_program(root)
