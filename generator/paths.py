"""Where the catalog and the assembled templates live.

In a source checkout they are the repository's ``blueprints/`` and
``cookiecutter-templates/``; an installed wheel carries them as package data.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
SHARED_LAYER = "_shared"
"""Folder of ``blueprints/`` holding what every generated project gets."""


def _data_dir(name: str) -> Path:
    source = SOURCE_ROOT / name
    if (SOURCE_ROOT / "pyproject.toml").is_file() and source.is_dir():
        return source
    return PACKAGE_DIR / "_data" / name


def blueprints_dir() -> Path:
    return _data_dir("blueprints")


def templates_dir() -> Path:
    return _data_dir("cookiecutter-templates")
