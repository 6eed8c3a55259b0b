"""Bring a generated project up to the current osbp: the library call behind ``osbp update``.

The project is regenerated from its answers file in a temporary folder, then
each file is merged three ways: the merge base stored in the project
(``generator.merge_base``: what osbp generated last time), the user's file and
the new one. Text merges are ``git merge-file``'s, run on copies in a temporary
folder, so no conflict marker or ``.rej`` file ever reaches the project. The
project is written only when every file merged cleanly: each file goes through a
temporary file and a rename, all staged before the first rename.

Choices for the cases a merge alone does not decide:

- a file the user deleted stays deleted, even when the template changed it
  (reported, so the change can be fetched by hand);
- a file the template no longer generates is removed if the user never edited
  it, else kept (reported); stack files ``Pulumi.<stack>.yaml`` are never
  removed, since they hold a stack's configuration;
- a new template file where the user already has a different file, a binary
  file changed on both sides or a text file whose changes overlap is a conflict;
- the answers file is rewritten from the answers the update used (the project's
  answers, then ``--answers``, then ``--set``); the merge base in ``.osbp/`` is
  never merged, only replaced by the new generation.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from generator import __version__
from generator.errors import AnswersError, OsbpError
from generator.merge_base import (
    FileTree,
    MergeBase,
    base_files,
    collect_files,
    has_merge_base,
    read_merge_base,
    stage,
)

ANSWERS_FILE = ".osbp-answers.yml"
LABELS = ("-L", "yours", "-L", "base", "-L", "new template")
"""Names of the sides in conflict markers (``git merge-file -L``)."""
BINARY_PROBE = 8000
"""Bytes inspected for a NUL, as git does, to tell a binary file from text."""


# What happens to one file. Only the first four write to the project.
UPDATED = "updated"  # the template changed it, the user had not: the new version
MERGED = "merged"  # both changed it, apart: the user's edits and the template's
ADDED = "added"  # new in the template
REMOVED = "removed"  # gone from the template, never edited by the user
KEPT_EDIT = "kept"  # the user's edit; the template did not change the file
KEPT_REMOVED = "kept-removed"  # gone from the template, but edited by the user (or a stack file)
KEPT_DELETED = "kept-deleted"  # deleted by the user, changed by the template
CONFLICT = "conflict"

WRITES = {UPDATED, MERGED, ADDED, REMOVED}


@dataclass(frozen=True)
class FileChange:
    path: str
    action: str
    content: bytes | None = None
    """What the project's file becomes (for writes; None removes it); for a text
    conflict, the merge with its conflict markers (shown, never written)."""
    note: str = ""
    """Why a file conflicts."""

    def describe(self) -> str:
        notes = {
            MERGED: " (your edits kept)",
            KEPT_EDIT: " (your edit; the template did not change it)",
            KEPT_REMOVED: " (no longer generated; kept because you edited it)",
            KEPT_DELETED: " (you deleted it; the template changed it; left deleted)",
        }
        if self.action == KEPT_REMOVED and is_stack_file(self.path):
            note = " (no longer generated; a stack's configuration is never removed)"
        else:
            note = notes.get(self.action, "")
        label = {KEPT_REMOVED: "kept", KEPT_DELETED: "deleted"}.get(self.action, self.action)
        return f"{label:<8} {self.path}{note}"


@dataclass
class UpdateReport:
    project: Path
    base_version: str
    changes: list[FileChange] = field(default_factory=list)
    answer_changes: list[str] = field(default_factory=list)
    base_changed: bool = False
    """The new generation differs from the stored merge base (which is then replaced)."""
    written: bool = False

    @property
    def writes(self) -> list[FileChange]:
        return [change for change in self.changes if change.action in WRITES]

    def summary(self) -> str:
        count = len(self.writes)
        files = f"{count} file{'s' if count != 1 else ''}"
        if not count and not self.base_changed:
            return f"Nothing to update: {self.project} matches osbp {__version__}."
        if not self.written:
            return f"Dry run: {files} would change; nothing was written."
        if not count:
            return f"No file to update; the merge base in .osbp/ now records osbp {__version__}."
        versions = __version__
        if self.base_version != __version__:
            versions = f"{self.base_version} -> {__version__}"
        return f"Updated {self.project} (osbp {versions}): {files}."

    def lines(self) -> list[str]:
        """The report ``osbp update`` prints, one line per answer and file."""
        return [*self.answer_changes, *(change.describe() for change in self.changes)]


class UpdateConflictError(OsbpError):
    """Some files cannot be merged; nothing was written."""

    def __init__(self, conflicts: list[FileChange]) -> None:
        self.conflicts = conflicts
        listing = "".join(f"\n  {change.path} ({change.note})" for change in conflicts)
        noun = "file conflicts" if len(conflicts) == 1 else "files conflict"
        super().__init__(
            f"{len(conflicts)} {noun} with your edits; nothing was changed "
            "(make these files agree with the new template, then update again; "
            f"--show-conflicts prints the overlapping lines):{listing}"
        )

    def marked(self) -> str:
        """Each text conflict with git's markers: your lines, the base's, the template's."""
        return "".join(
            f"--- {change.path}\n{change.content.decode(errors='replace')}"
            for change in self.conflicts
            if change.content is not None
        )


def update_project(
    project_dir: str | Path,
    answers: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    adopt: bool = False,
) -> UpdateReport:
    """Regenerate ``project_dir`` with the current osbp and merge it into the user's files.

    ``answers`` override the project's answers file. ``adopt`` is for a project
    without merge base (baked by plain cookiecutter): what this osbp generates
    from the project's answers becomes the base, so every difference counts as
    the user's edit and nothing of theirs is overwritten. Raises ``OsbpError``
    subclasses (``UpdateConflictError`` when a file conflicts) and
    ``ValidationError`` for bad answers; nothing is written in those cases, nor
    with ``dry_run``.
    """
    from generator.catalog import get_blueprint
    from generator.project import new_project, read_answers_file

    project = Path(project_dir).resolve()
    answers_path = project / ANSWERS_FILE
    if not answers_path.is_file():
        raise OsbpError(f"{project} is not an osbp project (no {ANSWERS_FILE})")
    blueprint = get_blueprint(_blueprint_name(answers_path))
    if adopt and has_merge_base(project):
        raise OsbpError(f"{project} already has a merge base; update it without --adopt")
    base = None if adopt else read_merge_base(project)

    recorded = read_answers_file(answers_path)
    known = {parameter.name for parameter in blueprint.parameters}
    report = UpdateReport(project, base.osbp_version if base else __version__)
    report.answer_changes += [
        f"answer   {key} dropped ({blueprint.name} no longer has this parameter)"
        for key in sorted(set(recorded) - known)
    ]
    wanted = {key: value for key, value in recorded.items() if key in known}
    wanted.update(answers or {})

    with tempfile.TemporaryDirectory(prefix="osbp-update-") as scratch:
        if base is None:
            adopted = {key: value for key, value in recorded.items() if key in known}
            base_dir = new_project(blueprint.name, Path(scratch) / "base", adopted)
            base = MergeBase(__version__, collect_files(base_dir))
            report.answer_changes.insert(
                0, f"adopted  what osbp {__version__} generates, as merge base: "
                "every difference from it is kept as your edit"
            )
        generated = new_project(blueprint.name, Path(scratch) / "new", wanted)
        theirs = collect_files(generated)
        resolved = read_answers_file(generated / ANSWERS_FILE)
        report.answer_changes += _answer_changes(recorded, resolved)
        ours = _project_files(project, set(base.files) | set(theirs))
        report.changes = _plan(base.files, ours, theirs, Path(scratch) / "merge")

    conflicts = [change for change in report.changes if change.action == CONFLICT]
    if conflicts:
        raise UpdateConflictError(conflicts)
    # The base moves on even when no file is written (say, only files the user
    # deleted changed), so that the next update does not report them again.
    report.base_changed = adopt or theirs != base.files
    if not dry_run and (report.writes or report.base_changed):
        _apply(project, report.writes, base_files(theirs))
        report.written = True
    return report


def _blueprint_name(answers_path: Path) -> str:
    try:
        document = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise AnswersError(f"cannot read answers file {answers_path}: {error}") from None
    name = document.get("blueprint") if isinstance(document, dict) else None
    if not isinstance(name, str) or not name:
        raise AnswersError(f"answers file {answers_path} does not name its blueprint")
    return name


def _answer_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    lines = []
    for key, value in after.items():
        if key not in before:
            lines.append(f"answer   {key}: {value!r} (new parameter, its default)")
        elif before[key] != value:
            lines.append(f"answer   {key}: {before[key]!r} -> {value!r}")
    return lines


def _project_files(project: Path, paths: set[str]) -> dict[str, bytes | None]:
    """The user's version of each path (None: absent; a folder or link in its place raises)."""
    files: dict[str, bytes | None] = {}
    for relative in sorted(paths):
        path = project / relative
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise OsbpError(f"{path} is not a regular file; move it away and update again")
        files[relative] = path.read_bytes() if path.is_file() else None
    return files


def is_stack_file(path: str) -> bool:
    """``Pulumi.<stack>.yaml`` at the project's top: a stack's configuration."""
    name = PurePosixPath(path)
    top_level = len(name.parts) == 1 and name.suffix == ".yaml"
    return top_level and name.name.startswith("Pulumi.") and name.name != "Pulumi.yaml"


def _plan(
    base: FileTree, ours: Mapping[str, bytes | None], theirs: FileTree, scratch: Path
) -> list[FileChange]:
    changes = []
    for path in sorted(set(base) | set(theirs)):
        change = _decide(path, base.get(path), ours.get(path), theirs.get(path), scratch)
        if change is not None:
            changes.append(change)
    return changes


def _decide(
    path: str, base: bytes | None, ours: bytes | None, theirs: bytes | None, scratch: Path
) -> FileChange | None:
    """What the update does to one file; None when there is nothing to say."""
    if ours == theirs:
        return None  # unchanged, or the user already has the new version
    if path == ANSWERS_FILE:
        return FileChange(path, UPDATED, theirs)
    if theirs is None:  # gone from the template
        if ours is None:
            return None
        if ours == base and not is_stack_file(path):
            return FileChange(path, REMOVED)
        return FileChange(path, KEPT_REMOVED)
    if ours is None:  # absent from the project
        if base is None:
            return FileChange(path, ADDED, theirs)
        return None if theirs == base else FileChange(path, KEPT_DELETED)
    if base is None:  # the template adds a file the user already has, differently
        return FileChange(path, CONFLICT, note="new in the template; yours differs")
    if ours == base:
        return FileChange(path, UPDATED, theirs)
    if theirs == base:
        return FileChange(path, KEPT_EDIT)
    if any(is_binary(content) for content in (base, ours, theirs)):
        return FileChange(path, CONFLICT, note="binary, changed by you and by the template")
    clean, merged = merge_text(base, ours, theirs, scratch)
    if not clean:
        return FileChange(path, CONFLICT, merged, note="your edits and the template's overlap")
    return FileChange(path, MERGED, merged)


def is_binary(content: bytes) -> bool:
    return b"\0" in content[:BINARY_PROBE]


def merge_text(base: bytes, ours: bytes, theirs: bytes, scratch: Path) -> tuple[bool, bytes]:
    """``git merge-file`` of three texts: whether it is clean, and the merge.

    An unclean merge holds git's conflict markers in diff3 style (your lines,
    the base's, the new template's), whatever the user's git configuration.
    """
    git = shutil.which("git")
    if git is None:
        raise OsbpError("osbp update merges edited files with `git merge-file`; install git")
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        names = []
        for label, content in (("yours", ours), ("base", base), ("new", theirs)):
            (Path(folder) / label).write_bytes(content)
            names.append(str(Path(folder) / label))
        result = subprocess.run(
            [git, "merge-file", "--stdout", "--diff3", *LABELS, *names],
            capture_output=True,
            check=False,
            timeout=120,
        )
    if 0 <= result.returncode < 128:  # the number of conflicts
        return result.returncode == 0, result.stdout
    message = result.stderr.decode(errors="replace").strip()
    raise OsbpError(f"git merge-file failed: {message}")


def _apply(project: Path, writes: list[FileChange], base: FileTree) -> None:
    """Write every change, as close to all-or-nothing as a file system allows.

    All new contents, the new merge base included, are staged in temporary
    files first (a full disk fails here, with the project untouched), then
    renamed over the old files. Removals come next and the merge base last, so
    an interrupted update leaves a project that a second ``osbp update``
    finishes.
    """
    created: list[Path] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for relative, content in [
            *((change.path, change.content) for change in writes if change.content is not None),
            *base.items(),
        ]:
            target = project / relative
            created += _make_parents(target.parent, project)
            staged.append((stage(target, content), target))
    except BaseException as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(created):
            folder.rmdir()
        if isinstance(error, OSError):
            reason = error.strerror or str(error)
            raise OsbpError(f"cannot write {target}: {reason}; nothing was changed") from None
        raise
    files, merge_base = staged[: len(staged) - len(base)], staged[len(staged) - len(base) :]
    for temporary, target in files:
        temporary.replace(target)
    for change in writes:
        if change.content is None:
            (project / change.path).unlink(missing_ok=True)
            _remove_empty_parents((project / change.path).parent, project)
    for temporary, target in merge_base:
        temporary.replace(target)


def _make_parents(folder: Path, project: Path) -> list[Path]:
    missing = []
    while folder != project and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _remove_empty_parents(folder: Path, project: Path) -> None:
    while folder != project and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent

