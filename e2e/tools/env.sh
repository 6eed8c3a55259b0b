# shellcheck shell=bash
# Source this file from bash: `source e2e/tools/env.sh`
# Puts the cached Pulumi tools built by e2e/tools/build.sh first on PATH and
# configures a hermetic, offline Pulumi (no update checks, no plugin
# downloads, local file backend). Run build.sh first.

_osbp_tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$_osbp_tools_dir/versions.env"
# shellcheck source=lib.sh
. "$_osbp_tools_dir/lib.sh"

OSBP_TOOLS_HOME="$(osbp_tools_home)"
export OSBP_TOOLS_HOME
export PATH="$OSBP_TOOLS_HOME/bin:$PATH"
export PULUMI_HOME="$OSBP_TOOLS_HOME/pulumi-home"

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Plugins are resolved from $PULUMI_HOME/plugins (installed by build.sh) and
# language hosts from next to the pulumi binary; do not pick up stray
# pulumi-resource-* binaries from PATH.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
# Local file backend and a passphrase secrets provider (callers may override).
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$OSBP_TOOLS_HOME/state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-osbp-e2e}"
mkdir -p "$OSBP_TOOLS_HOME/state" 2>/dev/null || true

if [ ! -x "$OSBP_TOOLS_HOME/bin/pulumi" ]; then
  echo "env.sh: $OSBP_TOOLS_HOME/bin/pulumi missing; run e2e/tools/build.sh" >&2
fi
unset _osbp_tools_dir
