# shellcheck shell=bash
# Shared helpers for build.sh and env.sh (sourced; expects versions.env loaded).

# Directory of this tools checkout.
osbp_tools_src() { (cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); }

# Cache key: the pinned versions. (build.sh rebuilds the in-repo language
# host by itself when langhost/main.go changes.)
osbp_tools_key() {
  printf 'pulumi-%s_openstack-%s_random-%s\n' \
    "$PULUMI_VERSION" "$PULUMI_OPENSTACK_VERSION" "$PULUMI_RANDOM_VERSION"
}

osbp_tools_home() {
  printf '%s/%s\n' "${OSBP_TOOLS_CACHE:-$HOME/.cache/osbp/pulumi-tools}" "$(osbp_tools_key)"
}
