#!/usr/bin/env bash
# Acceptance run: local OpenStack up, every blueprint of the catalog (or those named in
# $BLUEPRINTS / the arguments) through `python -m e2e`, cloud down.
# One run at a time: the sandbox lock (sandbox/lib/lock.sh) is held from start to end, so a
# second `make e2e` or `make sandbox-up` waits for this one (OSBP_SANDBOX_LOCK_WAIT=no: refuses).
# The sandbox is stopped (by PID, in sandbox/down.sh) even when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../sandbox/lib/lock.sh
source sandbox/lib/lock.sh
sandbox_lock "make e2e"
# shellcheck source=tools/env.sh
source e2e/tools/env.sh
# The optional services (Swift, Octavia, CloudKitty) the blueprints of this run declare.
# shellcheck disable=SC2086  # BLUEPRINTS is a space-separated list of names
services=$(.venv/bin/python -m e2e.sandbox_services ${BLUEPRINTS:-} "$@")
# shellcheck disable=SC2086  # one word per flag
sandbox/up.sh $services
trap 'sandbox/down.sh' EXIT
export OS_CLIENT_CONFIG_FILE="${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}/clouds.yaml"
# The operator's cloud, for the checks; each stack deploys with the rights its blueprint
# declares (clouds osbp-sandbox-member, osbp-sandbox-reader; see e2e/rights.py).
export OS_CLOUD=osbp-sandbox
# shellcheck disable=SC2086  # BLUEPRINTS is a space-separated list of names
.venv/bin/python -m e2e ${BLUEPRINTS:-} "$@"
