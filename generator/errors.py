"""Errors a person can act on; the CLI prints their message on one line and exits 2."""

from __future__ import annotations

from generator.validation import ValidationError


class OsbpError(Exception):
    """Base class of the errors caused by the user's input, not by a bug."""


class UnknownBlueprintError(OsbpError):
    pass


class BlueprintSpecError(OsbpError):
    """A ``blueprint.yaml`` that does not follow the format (``generator.schema``)."""


class TargetExistsError(OsbpError):
    pass


class AnswersError(OsbpError):
    pass


class PreviewError(OsbpError):
    pass


class OutputDirError(OsbpError):
    """The folder given with ``-o`` cannot hold a project."""


USER_ERRORS: tuple[type[Exception], ...] = (OsbpError, ValidationError)
