"""The catalog: one folder per blueprint, nothing else to edit."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator import catalog, templates
from generator.cli import main
from generator.errors import UnknownBlueprintError
from generator.paths import blueprints_dir

BLUEPRINT_NAMES = [b.name for b in catalog.list_blueprints()]


def test_the_catalog_lists_every_blueprint_folder() -> None:
    folders = sorted(p.name for p in blueprints_dir().iterdir() if (p / "blueprint.yaml").is_file())
    assert folders == BLUEPRINT_NAMES
    assert "wordpress-3tier" in BLUEPRINT_NAMES
    assert "_shared" not in BLUEPRINT_NAMES


def test_every_project_has_name_slug_and_stack_first() -> None:
    for blueprint in catalog.list_blueprints():
        names = [p.name for p in blueprint.parameters]
        assert names[:3] == ["project_name", "project_slug", "stack"]
        assert not any(p.in_config for p in blueprint.parameters[:3])


def test_config_keys_are_camel_case() -> None:
    wordpress = catalog.get_blueprint("wordpress-3tier")
    keys = [p.config_key for p in wordpress.config_parameters]
    assert keys[:3] == ["frontendCidr", "backendCidr", "adminCidr"]
    assert {p.config_type for p in wordpress.config_parameters} == {"string", "integer", "boolean"}


def test_unknown_blueprint_suggests_the_close_one() -> None:
    with pytest.raises(UnknownBlueprintError, match="did you mean wordpress-3tier"):
        catalog.get_blueprint("wordpress")
    with pytest.raises(UnknownBlueprintError, match="known: "):
        catalog.get_blueprint("kubernetes")


def test_a_blueprint_is_added_by_adding_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "blueprints"
    shutil.copytree(blueprints_dir(), root)
    copy = root / "wordpress-copy"
    shutil.copytree(root / "wordpress-3tier", copy)
    spec = (copy / "blueprint.yaml").read_text(encoding="utf-8")
    (copy / "blueprint.yaml").write_text(
        spec.replace("name: wordpress-3tier", "name: wordpress-copy")
    )
    monkeypatch.setattr(catalog, "blueprints_dir", lambda: root)
    assert [b.name for b in catalog.list_blueprints()] == sorted(
        [*BLUEPRINT_NAMES, "wordpress-copy"]
    )
    assert catalog.get_blueprint("wordpress-copy").path == copy


def _wordpress_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(
        (blueprints_dir() / "wordpress-3tier" / "blueprint.yaml").read_text(encoding="utf-8")
    )
    spec["name"] = "broken"
    return spec


def _parameter(spec: dict[str, Any], name: str) -> dict[str, Any]:
    (parameter,) = [p for p in spec["parameters"] if p["name"] == name]
    return parameter


def _index(name: str) -> int:
    return [p["name"] for p in _wordpress_spec()["parameters"]].index(name)


SIZE = f"parameters[{_index('db_volume_size')}] (db_volume_size)"
IMAGE = f"parameters[{_index('image')}] (image)"
BROKEN_SPECS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "type-int",
        lambda s: _parameter(s, "db_volume_size").update(type="int"),
        f"{SIZE}.type: 'int' is not a type; known: string, slug, integer, boolean, cidr",
    ),
    ("no-title", lambda s: s.pop("title"), "title: missing (required)"),
    ("title-list", lambda s: s.update(title=["a"]), "title: expected a string, got ['a']"),
    ("unknown-field", lambda s: s.update(colour="blue"), "colour: unknown field; known: name,"),
    (
        "bad-default",
        lambda s: _parameter(s, "db_volume_size").update(default="lots"),
        f"{SIZE}.default: 'lots' is not a whole number",
    ),
    (
        "typo-key",
        lambda s: _parameter(s, "db_volume_size").update(mim=1),
        f"{SIZE}.mim: not a field of a integer parameter",
    ),
    ("no-help", lambda s: _parameter(s, "db_volume_size").pop("help"), f"{SIZE}.help: missing"),
    (
        "repeated",
        lambda s: s["parameters"].append(dict(_parameter(s, "image"))),
        f"parameters[{len(_wordpress_spec()['parameters'])}] (image).name: 'image' is already",
    ),
    (
        "enum-empty",
        lambda s: _parameter(s, "image").update(type="enum", choices=[]),
        f"{IMAGE}.choices: an enum needs a non-empty list of choices",
    ),
    (
        "list-no-items",
        lambda s: _parameter(s, "image").update(type="list", default=[]),
        f"{IMAGE}.items: missing (the type of the list's items)",
    ),
    (
        "secret-default",
        lambda s: _parameter(s, "image").update(type="secret"),
        f"{IMAGE}.default: a secret has no default (it would be in clear)",
    ),
    (
        "disjoint-unknown",
        lambda s: s.update(constraints=[{"disjoint": ["frontend_cidr", "nope"]}]),
        "constraints[0].disjoint: 'nope': 'nope' is not a parameter",
    ),
    (
        "disjoint-integer",
        lambda s: s.update(constraints=[{"disjoint": ["frontend_cidr", "db_volume_size"]}]),
        "constraints[0].disjoint: 'db_volume_size' is a integer, not cidr",
    ),
    (
        "unknown-rule",
        lambda s: s.update(constraints=[{"overlap": ["a"]}]),
        "constraints[0]: 'overlap' is not a rule; known: disjoint, ordered, unique, within, "
        "exactly_one, anywhere_needs, refers",
    ),
    (
        "ignore-without-unique",
        lambda s: s.update(constraints=[{"disjoint": ["frontend_cidr"], "ignore": [0]}]),
        "constraints[0].ignore: a list of values, beside a unique rule only",
    ),
    (
        "stack-rights",
        lambda s: s.update(stacks=[{"name": "app", "rights": "root", "help": "x"}]),
        "stacks[0].rights: 'root' is not one of system-admin, admin, member, reader",
    ),
    (
        "output-typo",
        lambda s: s["outputs"].update(site_url={"help": "x", "secrte": True}),
        "outputs.site_url.secrte: unknown field; known: help, secret",
    ),
    (
        "stack-help",
        lambda s: s.update(stacks=[{"name": "app", "rights": "member"}]),
        "stacks[0].help: missing",
    ),
    (
        "stack-pattern-misses-its-example",
        lambda s: s.update(
            stacks=[{"name": "Alice", "rights": "member", "help": "x", "pattern": "[a-z]+"}]
        ),
        "stacks[0].name: 'Alice' is not a stack name (a slug)",
    ),
    (
        "stack-pattern-example",
        lambda s: s.update(
            stacks=[{"name": "alice-x", "rights": "member", "help": "x", "pattern": "[a-z]+"}]
        ),
        "stacks[0].pattern: the example name 'alice-x' does not match [a-z]+",
    ),
    (
        "stack-pattern-regex",
        lambda s: s.update(
            stacks=[{"name": "alice", "rights": "member", "help": "x", "pattern": "[a-z"}]
        ),
        "stacks[0].pattern: not a regular expression",
    ),
    (
        "example-typo",
        lambda s: s["examples"]["admin-access"].update(flavour="x"),
        "examples.admin-access.flavour: not a parameter",
    ),
]


@pytest.fixture
def catalog_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """``catalog_with(text)``: the real catalog plus ``broken/blueprint.yaml`` holding text."""

    def make(text: str) -> Path:
        root = tmp_path / "blueprints"
        shutil.copytree(blueprints_dir(), root)
        (root / "broken").mkdir()
        (root / "broken" / "blueprint.yaml").write_text(text, encoding="utf-8")
        monkeypatch.setattr(catalog, "blueprints_dir", lambda: root)
        monkeypatch.setattr(templates, "blueprints_dir", lambda: root)
        return root

    return make


def _refused_everywhere(message: str, output: Path) -> None:
    """``osbp list`` still lists the good blueprints; the others refuse with one line."""
    line = f"error: blueprints/broken/blueprint.yaml: {message}"
    listed = CliRunner().invoke(main, ["list"])
    assert listed.exit_code == 0
    assert re.search(r"^wordpress-3tier +WordPress in three tiers$", listed.stdout, re.M)
    assert "broken" not in listed.stdout
    assert listed.stderr.startswith(line) and listed.stderr.count("\n") == 1, listed.stderr
    for args in (["new", "broken", "--no-input", "-o", str(output)], ["show", "broken"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, result.stderr
    built = CliRunner().invoke(main, ["templates", "build", "--check"])
    assert built.exit_code == 2 and built.stderr.startswith(line), built.output
    assert not output.exists(), "nothing written"


@pytest.mark.parametrize(
    ("breakage", "message"),
    [pytest.param(change, message, id=name) for name, change, message in BROKEN_SPECS],
)
def test_a_broken_spec_is_one_line_and_breaks_no_other_blueprint(
    catalog_with: Callable[[str], Path],
    tmp_path: Path,
    breakage: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    spec = _wordpress_spec()
    breakage(spec)
    catalog_with(yaml.safe_dump(spec, sort_keys=False))
    _refused_everywhere(message, tmp_path / "out")


def test_a_spec_that_is_not_yaml_names_the_line(
    catalog_with: Callable[[str], Path], tmp_path: Path
) -> None:
    catalog_with("name: broken\ntitle: [unclosed\n")
    _refused_everywhere("not valid YAML at line 3", tmp_path / "out")


def test_stacks_with_their_rights_are_accepted(
    catalog_with: Callable[[str], Path],
) -> None:
    spec = _wordpress_spec()
    spec["stacks"] = [
        {"name": "app", "rights": "member", "help": "The application"},
        {"name": "team", "rights": "admin", "help": "Projects and quotas"},
        {"name": "alice-x", "rights": "member", "help": "A branch", "pattern": "[a-z-]+"},
    ]
    catalog_with(yaml.safe_dump(spec))
    assert [s["rights"] for s in catalog.get_blueprint("broken").stacks] == [
        "member",
        "admin",
        "member",
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("db__size", "'db__size' is not a name (snake_case: a-z, 0-9, _)"),
        ("DbSize", "'DbSize' is not a name"),
        ("class", "'class' is reserved"),
        ("load", "'load' is reserved"),
    ],
)
def test_parameter_names_make_distinct_config_keys_and_attributes(
    catalog_with: Callable[[str], Path], tmp_path: Path, name: str, message: str
) -> None:
    spec = _wordpress_spec()
    _parameter(spec, "image")["name"] = name
    catalog_with(yaml.safe_dump(spec))
    _refused_everywhere(f"{IMAGE.split(' ')[0]}.name: {message}", tmp_path / "out")


def test_an_output_may_be_marked_secret(catalog_with: Callable[[str], Path]) -> None:
    spec = _wordpress_spec()
    spec["outputs"]["mysql_volume_id"] = {"help": "Cinder volume", "secret": True}
    catalog_with(yaml.safe_dump(spec))
    broken = catalog.get_blueprint("broken")
    assert broken.outputs["mysql_volume_id"] == "Cinder volume"
    assert broken.secret_outputs == ["mysql_volume_id"]
