"""Which kind of stack this is, and whose branch: decided by the stack's name.

The stack ``team`` builds the team's projects. Every other stack is a branch
environment, named after the branch's slug (GitLab's ``CI_COMMIT_REF_SLUG``:
lowercase, ``/`` and other characters turned into ``-``, at most 63
characters). A branch belongs to the developer whose name starts it:
``alice/feature-x`` and ``alice-feature-x`` both give the stack
``alice-feature-x``, alice's. ``OSBP_DEVELOPER`` (a CI variable) names the
developer instead, for branches that follow no such convention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TEAM_STACK = "team"
BRANCH_STACK_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
BRANCH_STACK_LIMIT = 63
"""GitLab's slug length, and the room left in the names of the branch's resources."""


class BranchError(ValueError):
    """A stack name that cannot be a branch environment, as one line."""


def is_team_stack(stack: str) -> bool:
    return stack == TEAM_STACK


def developer_of(stack: str, developers: Sequence[str], override: str = "") -> str:
    """The developer owning the branch stack ``stack``; ``BranchError`` if there is none."""
    if len(stack) > BRANCH_STACK_LIMIT:
        raise BranchError(
            f"branch stack {stack[:20]}...: {len(stack)} characters, at most"
            f" {BRANCH_STACK_LIMIT} (shorten the branch name)"
        )
    if not BRANCH_STACK_NAME.fullmatch(stack):
        raise BranchError(
            f"branch stack {stack!r}: not a branch slug (lowercase letters, digits and dashes)"
        )
    known = ", ".join(developers)
    if override:
        if override not in developers:
            raise BranchError(
                f"OSBP_DEVELOPER={override!r} is not a developer of the team ({known})"
            )
        return override
    owners = [name for name in developers if stack.startswith(f"{name}-")]
    if not owners:
        raise BranchError(
            f"branch stack {stack!r} belongs to no developer: name the branch"
            f" <developer>/... or <developer>-... ({known}), or set OSBP_DEVELOPER"
        )
    return max(owners, key=len)
