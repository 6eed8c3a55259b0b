#!/usr/bin/env bash
# Check (or regenerate) openstack/mapping.json against the pinned
# pulumi_openstack wheel: installs the wheel into a scratch venv, extracts its
# tokens and wire names (sdk_extract.py), dumps the built provider's
# Terraform schema with the bridge's names (-osbp-dump-tf) and compares
# (gen_openstack_mapping.py check). Run after e2e/tools/build.sh.
#   providers/check_mapping.sh          # exit 1 on any mismatch
#   providers/check_mapping.sh --regen  # rewrite openstack/mapping.json, then rebuild + re-check
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR/..
# shellcheck source=env.sh
. "$here/../env.sh"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/osbp-mapping.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --disable-pip-version-check --no-deps "$PY_PULUMI_OPENSTACK_PIN"
sdkdir="$("$tmp/venv/bin/python" -c 'import importlib.util,os; print(os.path.dirname(importlib.util.find_spec("pulumi_openstack").origin))' 2>/dev/null ||
  echo "$tmp/venv/lib/python3"*/site-packages/pulumi_openstack)"
python3 "$here/sdk_extract.py" "$sdkdir" >"$tmp/sdk.json"
"$OSBP_TOOLS_HOME/bin/pulumi-resource-openstack" -osbp-dump-tf >"$tmp/dump.json"
if [[ "${1:-}" == --regen ]]; then
  python3 "$here/gen_openstack_mapping.py" gen "$tmp/sdk.json" "$tmp/dump.json" >"$here/openstack/mapping.json"
  echo "rewrote $here/openstack/mapping.json; run build.sh and this script again to check"
else
  python3 "$here/gen_openstack_mapping.py" check "$tmp/sdk.json" "$tmp/dump.json"
  echo "mapping OK"
fi
