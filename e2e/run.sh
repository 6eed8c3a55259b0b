#!/usr/bin/env bash
# Acceptance run: local OpenStack up, every blueprint through `python -m e2e`, cloud down.
# The sandbox is stopped (by PID, in sandbox/down.sh) even when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/env.sh
source e2e/tools/env.sh
sandbox/up.sh
trap 'sandbox/down.sh' EXIT
export OS_CLIENT_CONFIG_FILE="${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}/clouds.yaml"
export OS_CLOUD=osbp-sandbox
.venv/bin/python -m e2e "$@"
