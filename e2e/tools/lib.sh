# Shared helpers for build.sh and env.sh (sourced; expects versions.env loaded).

# Directory of this tools checkout.
osbp_tools_src() { cd "$(dirname "${BASH_SOURCE[0]}")" && pwd; }

# Cache key: every pin plus a hash of the in-repo language host source.
osbp_tools_key() {
  local src lh
  src="$(osbp_tools_src)"
  lh="$(cat "$src/langhost/main.go" | sha256sum | cut -c1-10)"
  printf 'pulumi-%s_openstack-%s_random-%s_lh-%s\n' \
    "$PULUMI_VERSION" "$PULUMI_OPENSTACK_VERSION" "$PULUMI_RANDOM_VERSION" "$lh"
}

osbp_tools_home() {
  printf '%s/%s\n' "${OSBP_TOOLS_CACHE:-$HOME/.cache/osbp/pulumi-tools}" "$(osbp_tools_key)"
}
