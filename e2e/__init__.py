"""Acceptance: every blueprint deployed by the real Pulumi engine against a real OpenStack.

``python -m e2e`` runs the flow of ``e2e.flow`` for every blueprint (or those named),
against the cloud named by ``OS_CLOUD``, with the tools of ``e2e/tools/env.sh``.
"""
