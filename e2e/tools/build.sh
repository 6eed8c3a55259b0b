#!/usr/bin/env bash
# Build the Pulumi toolchain for the osbp acceptance rig from Go modules
# (Go module proxy only) into a version-keyed cache outside the repo:
#
#   ${OSBP_TOOLS_CACHE:-$HOME/.cache/osbp/pulumi-tools}/<key>/bin
#       pulumi, pulumi-language-python, pulumi-language-python-exec,
#       pulumi-resource-openstack, pulumi-resource-random
#   .../<key>/pulumi-home   PULUMI_HOME with the providers installed
#
# Idempotent: finished components are reused, a second run builds nothing.
# Exit status: 0 when everything is there; 3 when a component could not be
# obtained from the module proxy (the rest is still built and cached);
# OSBP_TOOLS_ALLOW_MISSING=1 turns that into exit 0 with a warning.
# The last line printed is the bin dir.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$here/versions.env"
# shellcheck source=lib.sh
. "$here/lib.sh"

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"

home="$(osbp_tools_home)"
bin="$home/bin"
work="$home/work"
logs="$home/logs"
mkdir -p "$bin" "$work" "$logs" "$home/pulumi-home"

t0=$SECONDS
say() { printf '[osbp-tools %4ss] %s\n' "$((SECONDS - t0))" "$*"; }
missing=()

say "cache: $home"

# Run a command with its output in a log file; show the tail on failure.
logged() {
  local log="$1"; shift
  if ! "$@" >"$log" 2>&1; then
    say "FAILED: $* (log: $log)"
    tail -n 40 "$log" >&2
    return 1
  fi
}

# Does the module proxy serve module@version? (a refusal answers at once)
proxy_has() {
  local out
  if out="$(cd "$work" && "$GO" mod download -json "$1@$2" 2>&1)" && ! grep -q '"Error"' <<<"$out"; then
    return 0
  fi
  say "module proxy refuses $1@$2: $(grep -o 'server response:[^"]*' <<<"$out" | head -1 || true)"
  return 1
}

moddir() { (cd "$work" && "$GO" mod download -json "$1@$2" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'); }

# Write a throw-away wrapper module (main module for a `go build` of a
# package from a dependency whose own go.mod has relative replaces).
write_wrapper() {
  local dir="$1"; shift
  rm -rf "$dir"; mkdir -p "$dir"
  {
    echo "module osbp.invalid/pulumi-tools-build"
    echo
    echo "go 1.25"
    echo
    for req in "$@"; do echo "require ${req/@/ }"; done
    echo
    echo "replace github.com/atotto/clipboard => ${PULUMI_CLIPBOARD_REPLACE/@/ }"
  } >"$dir/go.mod"
}

# ---------------------------------------------------------------- pulumi CLI
build_cli() {
  if [[ -x "$bin/pulumi" && -f "$home/.ok-cli" ]]; then
    say "pulumi CLI $PULUMI_VERSION: cached"; return 0
  fi
  say "pulumi CLI $PULUMI_VERSION: building (pkg/v3 $PULUMI_PKG_MODULE_VERSION; takes long on 2 cores)"
  local w="$work/cli"
  write_wrapper "$w" "github.com/pulumi/pulumi/pkg/v3@$PULUMI_PKG_MODULE_VERSION" \
    "github.com/pulumi/pulumi/sdk/v3@$PULUMI_SDK_MODULE_VERSION"
  logged "$logs/cli-get.log" bash -c "cd '$w' && '$GO' get github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_PKG_MODULE_VERSION"
  local got
  got="$(cd "$w" && "$GO" list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3)"
  [[ "$got" == "$PULUMI_SDK_MODULE_VERSION" ]] || { say "sdk/v3 resolved to $got, expected $PULUMI_SDK_MODULE_VERSION"; return 1; }
  logged "$logs/cli-build.log" bash -c "cd '$w' && '$GO' build -trimpath -tags osusergo,grpcnotrace \
    -ldflags '-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION' \
    -o '$bin/pulumi.tmp' github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
  mv "$bin/pulumi.tmp" "$bin/pulumi"
  touch "$home/.ok-cli"
  say "pulumi CLI: built ($("$bin/pulumi" version))"
}

# ------------------------------------------------------- Python language host
build_langhost() {
  if [[ -x "$bin/pulumi-language-python" && -x "$bin/pulumi-language-python-exec" && -f "$home/.ok-langhost" ]]; then
    say "python language host: cached ($(cat "$home/.ok-langhost"))"; return 0
  fi
  local sdkdir kind
  sdkdir="$(moddir github.com/pulumi/pulumi/sdk/v3 "$PULUMI_SDK_MODULE_VERSION")"
  install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"

  local lhmod=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
  local w="$work/langhost"
  if proxy_has "$lhmod" "$PULUMI_LANGUAGE_PYTHON_MODULE_VERSION"; then
    kind="upstream $lhmod@$PULUMI_LANGUAGE_PYTHON_MODULE_VERSION"
    say "python language host: building $kind"
    write_wrapper "$w" "$lhmod@$PULUMI_LANGUAGE_PYTHON_MODULE_VERSION" \
      "github.com/pulumi/pulumi/pkg/v3@$PULUMI_PKG_MODULE_VERSION" \
      "github.com/pulumi/pulumi/sdk/v3@$PULUMI_SDK_MODULE_VERSION"
    logged "$logs/langhost-get.log" bash -c "cd '$w' && '$GO' get $lhmod@$PULUMI_LANGUAGE_PYTHON_MODULE_VERSION"
    logged "$logs/langhost-build.log" bash -c "cd '$w' && '$GO' build -trimpath -tags osusergo,grpcnotrace \
      -ldflags '-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION' \
      -o '$bin/pulumi-language-python.tmp' $lhmod"
  else
    kind="osbp minimal host (e2e/tools/langhost) on sdk/v3 $PULUMI_SDK_MODULE_VERSION"
    say "python language host: building $kind"
    write_wrapper "$w" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_SDK_MODULE_VERSION"
    cp "$here/langhost/main.go" "$w/main.go"
    logged "$logs/langhost-tidy.log" bash -c "cd '$w' && '$GO' mod tidy"
    got="$(cd "$w" && "$GO" list -m -f '{{.Version}}' github.com/pulumi/pulumi/sdk/v3)"
    [[ "$got" == "$PULUMI_SDK_MODULE_VERSION" ]] || { say "sdk/v3 resolved to $got"; return 1; }
    logged "$logs/langhost-build.log" bash -c "cd '$w' && '$GO' build -trimpath -tags osusergo,grpcnotrace \
      -ldflags '-X main.version=$PULUMI_VERSION' -o '$bin/pulumi-language-python.tmp' ."
  fi
  mv "$bin/pulumi-language-python.tmp" "$bin/pulumi-language-python"
  echo "$kind" >"$home/.ok-langhost"
  say "python language host: built"
}

# ------------------------------------------------ bridged resource providers
# build_provider NAME VERSION MODULE MODVERSION
build_provider() {
  local name="$1" ver="$2" mod="$3" modver="$4"
  local out="$bin/pulumi-resource-$name"
  if [[ -x "$out" && -f "$home/.ok-$name" ]]; then
    say "provider $name $ver: cached"; return 0
  fi
  say "provider $name $ver: checking $mod@$modver"
  if ! proxy_has "$mod" "$modver"; then
    say "provider $name $ver: UNAVAILABLE (module not served by the Go module proxy)"
    missing+=("pulumi-resource-$name ($mod@$modver refused by the module proxy)")
    return 0
  fi
  local src w="$work/$name"
  src="$(moddir "$mod" "$modver")"
  rm -rf "$w"; cp -r "$src" "$w"; chmod -R u+w "$w"
  if grep -q '=> ./shim' "$w/go.mod"; then
    # pulumi-random: replace ... => ./shim; the nested module is not in the
    # zip. Its go.mod declares github.com/terraform-providers/terraform-provider-random/shim,
    # so try the proxy under the repository path.
    local shimmod="${mod%/v*}/shim"
    local shimver="v0.0.0-${modver#v*-}"
    if ! proxy_has "$shimmod" "$shimver"; then
      say "provider $name $ver: UNAVAILABLE (nested ./shim module not obtainable)"
      missing+=("pulumi-resource-$name (./shim: $shimmod@$shimver refused)")
      return 0
    fi
    cp -r "$(moddir "$shimmod" "$shimver")" "$w/shim"; chmod -R u+w "$w/shim"
  fi
  say "provider $name $ver: generating embedded schema"
  logged "$logs/$name-generate.log" bash -c "cd '$w' && VERSION='$ver' '$GO' generate ./cmd/pulumi-resource-$name/main.go"
  say "provider $name $ver: building (long)"
  logged "$logs/$name-build.log" bash -c "cd '$w' && '$GO' build -trimpath \
    -ldflags '-X ${mod}/pkg/version.Version=$ver' -o '$out.tmp' ./cmd/pulumi-resource-$name"
  mv "$out.tmp" "$out"
  touch "$home/.ok-$name"
  say "provider $name $ver: built"
}

# Register a provider binary in this cache's PULUMI_HOME at the exact version
# the Python wheel declares (pulumi-plugin.json).
install_plugin() {
  local name="$1" ver="$2" out="$bin/pulumi-resource-$1"
  [[ -x "$out" ]] || return 0
  local stamp="$home/.installed-$name-$ver"
  if [[ -f "$stamp" && -d "$home/pulumi-home/plugins/resource-$name-v$ver" ]]; then
    say "plugin resource $name $ver: installed"; return 0
  fi
  PULUMI_HOME="$home/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true \
    logged "$logs/install-$name.log" "$bin/pulumi" plugin install resource "$name" "$ver" --file "$out" --reinstall
  touch "$stamp"
  say "plugin resource $name $ver: installed into $home/pulumi-home"
}

build_cli
build_langhost
build_provider openstack "$PULUMI_OPENSTACK_VERSION" github.com/pulumi/pulumi-openstack/provider/v5 "$PULUMI_OPENSTACK_MODULE_VERSION"
build_provider random "$PULUMI_RANDOM_VERSION" github.com/pulumi/pulumi-random/provider/v4 "$PULUMI_RANDOM_MODULE_VERSION"
install_plugin openstack "$PULUMI_OPENSTACK_VERSION"
install_plugin random "$PULUMI_RANDOM_VERSION"

rm -rf "$work"
say "done in $((SECONDS - t0))s"
rc=0
if ((${#missing[@]})); then
  say "INCOMPLETE: these could not be built from the Go module proxy:"
  for m in "${missing[@]}"; do say "  - $m"; done
  if [[ "${OSBP_TOOLS_ALLOW_MISSING:-}" == 1 ]]; then
    say "OSBP_TOOLS_ALLOW_MISSING=1: continuing"
  else
    rc=3
  fi
fi
echo "$bin"
exit "$rc"
