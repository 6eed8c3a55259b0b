"""The committed cookiecutter templates: fresh, standalone and validating."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import TEMPLATES, VENV_BIN
from generator import validation
from generator.catalog import list_blueprints
from generator.templates import build_templates

BLUEPRINTS = [b.name for b in list_blueprints()]


def test_committed_templates_are_up_to_date() -> None:
    assert build_templates(check=True).changed == [], "run `osbp templates build`"


def test_check_reports_edited_and_stray_files(tmp_path: Path) -> None:
    root = tmp_path / "templates"
    assert build_templates(root=root).changed  # a first build writes everything
    readme = root / "wordpress-3tier/{{cookiecutter.project_slug}}/README.md"
    readme.write_text("edited\n")
    (root / "stray.txt").write_text("left over\n")
    changed = build_templates(check=True, root=root).changed
    assert changed == ["stray.txt", "wordpress-3tier/{{cookiecutter.project_slug}}/README.md"]
    assert readme.read_text() == "edited\n", "--check must not write"
    build_templates(root=root)
    assert build_templates(check=True, root=root).changed == []
    assert not (root / "stray.txt").exists()


def test_menu_offers_every_blueprint() -> None:
    menu = json.loads((TEMPLATES / "cookiecutter.json").read_text())
    assert sorted(menu["templates"]) == sorted(BLUEPRINTS)
    for name, entry in menu["templates"].items():
        assert (TEMPLATES / entry["path"] / "cookiecutter.json").is_file()
        assert entry["title"] and entry["description"], name


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_build_time_markup_is_fully_rendered(blueprint: str) -> None:
    for path in (TEMPLATES / blueprint).rglob("*"):
        if path.is_file() and path.suffix != ".py":
            text = path.read_text(encoding="utf-8")
            assert "[[" not in text and "[%" not in text, path
            assert not path.name.endswith(".j2")


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_hook_embeds_the_validation_module(blueprint: str) -> None:
    hook = (TEMPLATES / blueprint / "hooks/pre_gen_project.py").read_text()
    assert Path(validation.__file__).read_text() in hook


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("frontend_cidr=10.0.1.0/99", "error: frontend_cidr: '10.0.1.0/99' is not an IPv4 network"),
        ("backend_cidr=10.0.1.128/25", "overlap"),
        ("db_volume_size=0", "error: db_volume_size: 0 is out of range"),
        ("project_slug=Not A Slug", "is not a valid slug"),
    ],
)
def test_plain_cookiecutter_refuses_bad_answers(tmp_path: Path, answer: str, message: str) -> None:
    result = subprocess.run(
        [
            str(VENV_BIN / "cookiecutter"),
            "--no-input",
            "-o",
            str(tmp_path),
            str(TEMPLATES / "wordpress-3tier"),
            answer,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == [], "no half-written project"


def test_plain_cookiecutter_transliterates_the_slug(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
            str(TEMPLATES / "wordpress-3tier"), "project_name=Café Été",
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["cafe-ete"]


def test_plain_cookiecutter_says_which_answer_to_set_for_an_underivable_slug(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [
            str(VENV_BIN / "cookiecutter"), "--no-input", "-o", str(tmp_path),
            str(TEMPLATES / "wordpress-3tier"), "project_name=2026",
        ],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert (
        "error: project_slug: '2026' is not a valid slug (lowercase letters, digits and single "
        "dashes, starting with a letter, at most 63) (derived from project_name; set "
        "project_slug to choose one)"
    ) in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_templates_copy_generated_modules_without_rendering() -> None:
    context = json.loads((TEMPLATES / "wordpress-3tier" / "cookiecutter.json").read_text())
    assert context["_copy_without_render"] == [
        "components/validation.py",
        "config-spec.json",
        "settings.py",
    ]


def test_a_blueprint_lists_the_project_files_cookiecutter_copies_as_is(tmp_path: Path) -> None:
    """An application's own Jinja templates ({{ ... }}) must reach the project unrendered."""
    import dataclasses

    from cookiecutter.main import cookiecutter

    from generator.catalog import get_blueprint
    from generator.templates import assemble, cookiecutter_context

    blueprint = dataclasses.replace(
        get_blueprint("wordpress-3tier"), copy_as_is=["web/templates/*"]
    )
    context = cookiecutter_context(blueprint)
    assert context["_copy_without_render"][-1] == "web/templates/*"
    page = b"<p>{{ user.name }}</p>{% if x %}y{% endif %}\n"
    template = tmp_path / "template"
    for relative, content in assemble(blueprint).items():
        (template / relative).parent.mkdir(parents=True, exist_ok=True)
        (template / relative).write_bytes(content)
    project = template / "{{cookiecutter.project_slug}}"
    (project / "web" / "templates").mkdir(parents=True)
    (project / "web" / "templates" / "page.html").write_bytes(page)
    out = Path(cookiecutter(str(template), no_input=True, output_dir=str(tmp_path / "out")))
    assert (out / "web" / "templates" / "page.html").read_bytes() == page
    assert "{{" not in (out / "Pulumi.yaml").read_text(), "the rest is rendered"


def test_a_blueprint_with_explicit_providers_disables_the_defaults_in_its_stack_file() -> None:
    import dataclasses

    from generator.catalog import get_blueprint
    from generator.templates import assemble

    blueprint = dataclasses.replace(
        get_blueprint("wordpress-3tier"), explicit_providers=["openstack"]
    )
    stack_file = "{{cookiecutter.project_slug}}/Pulumi.{{cookiecutter.stack}}.yaml"
    lines = assemble(blueprint)[stack_file].decode().splitlines()
    assert '  pulumi:disable-default-providers: ["openstack"]' in lines
    plain = assemble(get_blueprint("wordpress-3tier"))[stack_file]
    assert b"disable-default-providers" not in plain
