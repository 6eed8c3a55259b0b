#!/bin/bash
# smoke.sh - run smoke.py against the running sandbox (cloud osbp-sandbox from its clouds.yaml).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
[[ -f $CLOUDS_YAML ]] || die "$CLOUDS_YAML not found: run sandbox/up.sh first"
export OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=$CLOUD_NAME
exec "$PY" "$SANDBOX_SRC/smoke.py" "$@"
