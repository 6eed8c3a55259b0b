# The operator's day-2 commands (included by the Makefile); they run in the project's venv/
# (make install), with the operator's OS_* variables (or OS_CLOUD) of the stack.
.PHONY: billing billing-show dashboard

# make billing [DRY_RUN=1]: CloudKitty rating rules for cpu, ram and storage at the stack's
# prices (idempotent: a second run changes nothing).
billing: install
	$(PY) -m billing --stack $(STACK) $(if $(DRY_RUN),--dry-run)

# make billing-show: the rules CloudKitty holds, and a quote for one unit of each
billing-show: install
	$(PY) -m billing --stack $(STACK) --show

# make dashboard: the usage dashboard on http://127.0.0.1:8000 (DASHBOARD_* variables, see
# the README's runbook).
dashboard: install
	$(PY) -m dashboard
