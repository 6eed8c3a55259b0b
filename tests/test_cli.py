"""The osbp command, through click's CliRunner: outputs, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    assert run("--version") == (0, f"osbp, version {__version__}\n", "")


def test_list_shows_the_catalog() -> None:
    code, out, _ = run("list")
    assert code == 0
    assert "wordpress-3tier  WordPress in three tiers" in out


def test_show_details_a_blueprint() -> None:
    code, out, _ = run("show", "wordpress-3tier")
    assert code == 0
    assert "OpenStack services: keystone, nova, neutron, glance, cinder" in out
    assert "frontend_cidr (cidr) [default: 10.0.1.0/24]" in out
    assert "flowchart LR" in out


def test_new_generates_a_project(tmp_path: Path) -> None:
    code, out, _ = run(
        "new",
        "wordpress-3tier",
        "-o",
        str(tmp_path),
        "--no-input",
        "--set",
        "admin_cidr=198.51.100.0/24",
        "--stack",
        "staging",
    )
    assert code == 0, out
    project = tmp_path / "wordpress-3tier"
    assert f"Created {project}" in out
    stack = (project / "Pulumi.staging.yaml").read_text()
    assert 'wordpress-3tier:adminCidr: "198.51.100.0/24"' in stack
    assert "wordpress-3tier:dbVolumeSize: 20\n" in stack
    assert [p.name for p in tmp_path.iterdir()] == ["wordpress-3tier"], "no staging left"


def test_new_reads_an_answers_file(tmp_path: Path) -> None:
    run(
        "new",
        "wordpress-3tier",
        "-o",
        str(tmp_path / "a"),
        "--no-input",
        "--set",
        "project_name=Shop",
        "--set",
        "db_volume_size=64",
    )
    answers = tmp_path / "a" / "shop" / ".osbp-answers.yml"
    code, out, _ = run(
        "new", "wordpress-3tier", "-o", str(tmp_path / "b"), "--no-input", "--answers", str(answers)
    )
    assert code == 0, out
    stack = (tmp_path / "b" / "shop" / "Pulumi.dev.yaml").read_text()
    assert "shop:dbVolumeSize: 64\n" in stack


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--set", "frontend_cidr=10.0.1.0/33"],
            "error: frontend_cidr: '10.0.1.0/33' is not an IPv4",
        ),
        (
            ["--set", "db_volume_size=99999"],
            "error: db_volume_size: 99999 is out of range (1 to 16384)",
        ),
        (["--set", "project_slug=Bad_Slug"], "error: project_slug: 'Bad_Slug' is not a valid slug"),
        (["--set", "flavour=m1.tiny"], "error: unknown parameter 'flavour'"),
        (["--set", "backend_cidr=10.0.1.0/24"], "overlap"),
        (["--stack", "Prod Stack"], "error: stack: 'Prod Stack' is not a valid slug"),
    ],
)
def test_new_refuses_bad_input_without_writing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, out, err = run("new", "wordpress-3tier", "-o", str(tmp_path), "--no-input", *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()[-1:]) == 1 and "Traceback" not in err + out
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_an_unknown_blueprint(tmp_path: Path) -> None:
    code, _, err = run("new", "wordpres-3tier", "-o", str(tmp_path), "--no-input")
    assert code == 2
    assert "error: unknown blueprint 'wordpres-3tier'" in err


def test_new_never_overwrites_a_project(tmp_path: Path) -> None:
    (tmp_path / "wordpress-3tier").mkdir()
    (tmp_path / "wordpress-3tier" / "mine.txt").write_text("keep")
    code, _, err = run("new", "wordpress-3tier", "-o", str(tmp_path), "--no-input")
    assert code == 2
    assert "already exists" in err
    assert [p.name for p in (tmp_path / "wordpress-3tier").iterdir()] == ["mine.txt"]


def test_malformed_set_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("new", "wordpress-3tier", "-o", str(tmp_path), "--set", "novalue")
    assert code == 2
    assert "'novalue' is not key=value" in err


def test_unreadable_answers_file(tmp_path: Path) -> None:
    bad = tmp_path / "answers.yml"
    bad.write_text("- just\n- a list\n")
    code, _, err = run("new", "wordpress-3tier", "-o", str(tmp_path / "out"), "--answers", str(bad))
    assert code == 2
    assert "is not a mapping" in err


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("cli")
    assert run("new", "wordpress-3tier", "-o", str(output), "--no-input")[0] == 0
    return output / "wordpress-3tier"


def test_preview_prints_the_tree_and_counts(project: Path) -> None:
    code, out, _ = run("preview", str(project))
    assert code == 0
    assert (
        "  + osbp:Server mysql\n"
        "    + openstack:Volume mysql-data  name=wordpress-3tier-dev-mysql-data size=20" in out
    )
    assert "25 resources to create:" in out
    assert "    2 openstack:compute/instance:Instance" in out
    assert "  site_url: (known after apply)" in out


def test_preview_json_uses_wire_names(project: Path) -> None:
    code, out, _ = run("preview", "--json", str(project))
    assert code == 0
    document = json.loads(out)
    assert document["blueprint"] == "wordpress-3tier"
    rules = [r for r in document["resources"] if r["type"].endswith("secGroupRule:SecGroupRule")]
    assert {r["inputs"]["remoteIpPrefix"] for r in rules} == {"0.0.0.0/0", "10.0.1.0/24"}
    assert set(document["resources"][0]) >= {"urn", "type", "name", "parent", "inputs"}


def test_preview_mermaid_draws_the_graph(project: Path) -> None:
    code, out, _ = run("preview", "--mermaid", str(project))
    assert code == 0
    assert out.startswith("flowchart LR\n")
    assert "subgraph" in out and '["openstack:VolumeAttach mysql-data"]' in out
    assert out.count("-->") >= 10


def test_preview_of_a_folder_that_is_not_a_project(tmp_path: Path) -> None:
    code, _, err = run("preview", str(tmp_path))
    assert code == 2
    assert "is not an osbp project" in err


def test_preview_with_an_unknown_stack(project: Path) -> None:
    code, _, err = run("preview", "--stack", "nope", str(project))
    assert code == 2
    assert "no stack file Pulumi.nope.yaml" in err


def test_templates_build_check_passes_on_a_fresh_checkout() -> None:
    assert run("templates", "build", "--check") == (0, "templates up to date\n", "")


def test_new_prompts_for_each_parameter(tmp_path: Path) -> None:
    answers = "Team Blog\n\n\n\n10.20.0.0/16\n" + "\n" * 12
    result = CliRunner().invoke(
        main, ["new", "wordpress-3tier", "-o", str(tmp_path)], input=answers
    )
    assert result.exit_code == 0, result.output
    assert "[5/17] CIDR of the backend subnet" in result.stdout
    stack = (tmp_path / "team-blog" / "Pulumi.dev.yaml").read_text()
    assert 'team-blog:backendCidr: "10.20.0.0/16"' in stack
