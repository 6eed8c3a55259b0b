"""The osbp command, through click's CliRunner: outputs, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
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
    assert "project_slug (slug) [default: derived from project_name]" in out
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
        (["--set", "protect_data=maybe"], "error: protect_data: 'maybe' is not yes or no"),
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


def _refused(tmp_path: Path, *args: str, output: Path | None = None) -> str:
    """Run ``osbp new wordpress-3tier``; assert one ``error:`` line, exit 2, nothing written."""
    before = sorted(p.name for p in tmp_path.iterdir())
    target = output or tmp_path / "out"
    code, out, err = run("new", "wordpress-3tier", "--no-input", "-o", str(target), *args)
    assert code == 2, out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and "Traceback" not in out + err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "nothing written"
    return last


def test_output_under_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file")
    line = _refused(tmp_path, output=tmp_path / "notes.txt" / "projects")
    assert line == (
        f"error: cannot create the project under {tmp_path}/notes.txt/projects: "
        f"{tmp_path}/notes.txt is a file"
    )
    line = _refused(tmp_path, output=tmp_path / "notes.txt")
    assert "notes.txt is a file" in line
    assert (tmp_path / "notes.txt").read_text() == "a file"


@pytest.mark.parametrize("where", ["/proc", "/proc/osbp-projects"])
def test_output_under_proc_is_one_line(tmp_path: Path, where: str) -> None:
    line = _refused(tmp_path, output=Path(where))
    assert line.startswith(f"error: cannot create the project under {where}: ")
    assert not Path("/proc/osbp-projects").exists()


def test_answers_are_literal_never_templates(tmp_path: Path) -> None:
    code, out, err = run(
        "new", "wordpress-3tier", "--no-input", "-o", str(tmp_path),
        "--set", "project_name=Blog {{ 7*7 }}", "--set", "image=deb {% x",
    )  # fmt: skip
    assert code == 0, out + err
    project = tmp_path / "blog-7-7"
    assert (project / "README.md").read_text().startswith("# Blog {{ 7*7 }}\n")
    assert "49" not in (project / "README.md").read_text().splitlines()[0]
    assert 'blog-7-7:image: "deb {% x"' in (project / "Pulumi.dev.yaml").read_text()
    answers = yaml.safe_load((project / ".osbp-answers.yml").read_text())["answers"]
    assert (answers["project_name"], answers["image"]) == ("Blog {{ 7*7 }}", "deb {% x")


def test_an_unclosed_jinja_tag_in_an_answer_does_not_crash(tmp_path: Path) -> None:
    code, out, err = run(
        "new", "wordpress-3tier", "--no-input", "-o", str(tmp_path),
        "--set", "project_name=Blog {% x", "--set", "project_slug=blog",
    )  # fmt: skip
    assert code == 0, out + err
    assert (tmp_path / "blog" / "README.md").read_text().startswith("# Blog {% x\n")


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Café Été", "cafe-ete"), ("Блог Прод", "blog-prod"), ("Ünïcode_Shop 2", "unicode-shop-2")],
)
def test_accented_and_non_latin_names_derive_a_transliterated_slug(
    tmp_path: Path, name: str, slug: str
) -> None:
    code, out, err = run(
        "new", "wordpress-3tier", "--no-input", "-o", str(tmp_path), "--set", f"project_name={name}"
    )
    assert code == 0, out + err
    assert [p.name for p in tmp_path.iterdir()] == [slug]
    assert f"name: {slug}\n" in (tmp_path / slug / "Pulumi.yaml").read_text()
    assert (tmp_path / slug / "README.md").read_text().startswith(f"# {name}\n")


@pytest.mark.parametrize("name", ["2026 Blog", "☕☕"])
def test_a_name_without_a_valid_slug_says_which_answer_to_set(tmp_path: Path, name: str) -> None:
    line = _refused(tmp_path, "--set", f"project_name={name}")
    assert line.startswith("error: project_slug: ")
    assert line.endswith("(derived from project_name; set project_slug to choose one)")


def test_an_explicit_bad_slug_is_not_called_derived(tmp_path: Path) -> None:
    line = _refused(tmp_path, "--set", "project_slug=Bad_Slug")
    assert "derived" not in line


def test_list_syntax_is_refused_for_a_scalar_parameter(tmp_path: Path) -> None:
    line = _refused(tmp_path, "--set", "image.name=x")
    assert line == "error: --set image.name: image is not a list or object parameter"


def test_an_answers_file_with_a_list_for_a_single_value(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text("image: [debian-12, ubuntu]\n")
    line = _refused(tmp_path, "--answers", str(answers))
    assert line == 'error: image: expected one value, got ["debian-12", "ubuntu"]'


def test_quotes_backslashes_and_symbols_in_answers_stay_as_typed(tmp_path: Path) -> None:
    name = 'Bl"og \\n {{ x }} ☕ {# c'
    code, out, err = run(
        "new", "wordpress-3tier", "--no-input", "-o", str(tmp_path),
        "--set", f"project_name={name}", "--set", "project_slug=blog", "--set", "image=a}}b",
    )  # fmt: skip
    assert code == 0, out + err
    answers = yaml.safe_load((tmp_path / "blog" / ".osbp-answers.yml").read_text())["answers"]
    assert (answers["project_name"], answers["image"]) == (name, "a}}b")
    assert (tmp_path / "blog" / "README.md").read_text().startswith(f"# {name}\n")
