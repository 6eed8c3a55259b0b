"""The catalog: one folder per blueprint, nothing else to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import catalog
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
