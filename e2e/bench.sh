#!/usr/bin/env bash
# A benchmark that deploys on the sandbox: bench.sh SCRIPT BLUEPRINT [ARGS...] runs
# `python SCRIPT ARGS...` with the sandbox up (and the optional services BLUEPRINT needs),
# the sandbox lock held and the sandbox stopped at the end, like e2e/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
script=$1 blueprint=$2
shift 2
# shellcheck source=../sandbox/lib/lock.sh
source sandbox/lib/lock.sh
sandbox_lock "make bench ($script)"
# shellcheck source=tools/env.sh
source e2e/tools/env.sh
services=$(.venv/bin/python -m e2e.sandbox_services "$blueprint")
# shellcheck disable=SC2086  # one word per flag
sandbox/up.sh $services
trap 'sandbox/down.sh' EXIT
export OS_CLIENT_CONFIG_FILE="${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}/clouds.yaml"
.venv/bin/python "$script" "$@"
