"""The merge base that travels with a generated project.

``osbp update`` merges three versions of every file: what osbp generated last
time (the base), what is in the project now (the user's) and what the current
osbp generates. A pip-installed osbp carries no old template revisions, so the
base is stored in the project itself, in ``.osbp/``:

- ``pristine.tar.gz``: the generated files, byte for byte (a deterministic
  archive, so that regenerating the same files gives the same bytes). An archive
  and not a folder of copies, so that the project's ruff, mypy, pytest and
  Pulumi never see a second ``__main__.py``.
- ``pristine.yml``: the osbp version that generated them and a SHA-256 per file,
  readable in a code review and checked when the archive is read.

Both are written by ``osbp new`` and rewritten after a successful update.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from generator import __version__
from generator.errors import OsbpError

BASE_DIR = ".osbp"
ARCHIVE = f"{BASE_DIR}/pristine.tar.gz"
MANIFEST = f"{BASE_DIR}/pristine.yml"
SKIPPED_DIRS = {BASE_DIR, ".git", "venv", ".venv", "__pycache__"}
"""Never part of a project's generated files (the base itself, VCS, caches)."""

FileTree = dict[str, bytes]
"""Relative POSIX path -> content."""


class MergeBaseError(OsbpError):
    """The project has no usable merge base."""


@dataclass(frozen=True)
class MergeBase:
    osbp_version: str
    files: FileTree


def collect_files(project: Path) -> FileTree:
    """Every regular file of a freshly generated project, without the merge base."""
    files: FileTree = {}
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if SKIPPED_DIRS.intersection(relative.parts[:-1]) or relative.parts[0] == BASE_DIR:
            continue
        if path.is_file() and not path.is_symlink():
            files[relative.as_posix()] = path.read_bytes()
    return files


def pack(files: FileTree) -> bytes:
    """A tar.gz of ``files`` whose bytes depend on the contents only (no times, owners)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for relative in sorted(files):
            info = tarfile.TarInfo(relative)
            info.size = len(files[relative])
            info.mode = 0o644
            info.mtime = 0
            archive.addfile(info, io.BytesIO(files[relative]))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0) as stream:
        stream.write(raw.getvalue())
    return compressed.getvalue()


def manifest(files: FileTree, osbp_version: str = __version__) -> bytes:
    document = {
        "osbp_version": osbp_version,
        "files": {path: _sha256(content) for path, content in sorted(files.items())},
    }
    header = (
        "# Merge base of `osbp update`: this project's files as osbp generated them\n"
        "# (their contents are in pristine.tar.gz). Written by osbp; do not edit.\n"
    )
    return (header + yaml.safe_dump(document, sort_keys=False)).encode()


def base_files(files: FileTree, osbp_version: str = __version__) -> FileTree:
    """The two files of ``.osbp/`` that record ``files`` as the merge base."""
    return {ARCHIVE: pack(files), MANIFEST: manifest(files, osbp_version)}


def store_merge_base(project: Path) -> None:
    """Record the files osbp just generated in ``project`` as its merge base."""
    for relative, content in base_files(collect_files(project)).items():
        write_atomically(project / relative, content)


def has_merge_base(project: Path) -> bool:
    return (project / ARCHIVE).exists() or (project / MANIFEST).exists()


def read_merge_base(project: Path) -> MergeBase:
    """The stored base; one-line ``MergeBaseError`` when it is missing or damaged."""
    archive_path, manifest_path = project / ARCHIVE, project / MANIFEST
    if not archive_path.is_file() or not manifest_path.is_file():
        raise MergeBaseError(
            f"{project} has no merge base ({ARCHIVE}): it was not made by `osbp new`; "
            "`osbp update --adopt` starts tracking it, keeping your files as they are"
        )
    try:
        document = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
        files = _unpack(archive_path.read_bytes())
    except (OSError, yaml.YAMLError, tarfile.TarError, EOFError, ValueError) as error:
        raise MergeBaseError(f"merge base of {project} is unreadable: {error}") from None
    hashes = document.get("files") if isinstance(document, dict) else None
    if not isinstance(hashes, dict) or hashes != {p: _sha256(c) for p, c in files.items()}:
        raise MergeBaseError(
            f"merge base of {project} is damaged: {ARCHIVE} does not match {MANIFEST}"
        )
    return MergeBase(str(document.get("osbp_version", "unknown")), files)


def _unpack(data: bytes) -> FileTree:
    files: FileTree = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive:
            path = PurePosixPath(member.name)
            if not member.isfile() or path.is_absolute() or ".." in path.parts:
                raise ValueError(f"unexpected archive member {member.name!r}")
            stream = archive.extractfile(member)
            assert stream is not None  # a regular file always has a stream
            files[path.as_posix()] = stream.read()
    return files


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``path`` via a temporary file and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = stage(path, content)
    os.replace(temporary, path)


def stage(path: Path, content: bytes) -> Path:
    """``content`` in a temporary file next to ``path`` (same folder, same file system).

    It keeps the mode of the file it will replace, so an update does not make a
    user's executable script non-executable.
    """
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".osbp-tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
