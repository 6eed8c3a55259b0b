"""The usage dashboard of saas-multitenant: a tenant's own usage, quotas, volumes and cost,
and an operator's view of every tenant (Flask + openstacksdk)."""

from __future__ import annotations
