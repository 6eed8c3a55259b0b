#!/usr/bin/env bash
# Heat against the generated Pulumi project on the sandbox (benchmarks/heat_vs_pulumi.py),
# with the sandbox lock held and the sandbox stopped at the end, like e2e/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../sandbox/lib/lock.sh
source sandbox/lib/lock.sh
sandbox_lock "make bench-heat"
# shellcheck source=tools/env.sh
source e2e/tools/env.sh
sandbox/up.sh
trap 'sandbox/down.sh' EXIT
export OS_CLIENT_CONFIG_FILE="${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}/clouds.yaml"
.venv/bin/python benchmarks/heat_vs_pulumi.py "$@"
