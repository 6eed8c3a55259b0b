#!/usr/bin/env bash
# Build the Pulumi toolchain for the osbp acceptance rig from Go modules
# (Go module proxy only) into a version-keyed cache outside the repo:
#
#   ${OSBP_TOOLS_CACHE:-$HOME/.cache/osbp/pulumi-tools}/<key>/bin
#       pulumi, pulumi-language-python, pulumi-language-python-exec,
#       pulumi-resource-openstack, pulumi-resource-random (ours: providers/)
#   .../<key>/pulumi-home   PULUMI_HOME with the providers installed
#
# Idempotent: finished components are reused, a second run builds nothing.
# Exit status: 0 when everything is built and installed, non-zero on a
# failure (the log's tail is shown). The last line printed is the bin dir.
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
  local srchash
  srchash="$(sha256sum <"$here/langhost/main.go" | cut -c1-16)"
  if [[ -x "$bin/pulumi-language-python" && -x "$bin/pulumi-language-python-exec" && -f "$home/.ok-langhost" ]] &&
    { grep -q '^upstream ' "$home/.ok-langhost" || grep -q "source $srchash" "$home/.ok-langhost"; }; then
    say "python language host: cached ($(cat "$home/.ok-langhost"))"; return 0
  fi
  local sdkdir kind got
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
    kind="osbp minimal host (e2e/tools/langhost, source $srchash) on sdk/v3 $PULUMI_SDK_MODULE_VERSION"
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

# ------------------------------------------------ resource providers (ours)
# pulumi-resource-openstack / pulumi-resource-random are our own small
# Terraform-bridge programs in providers/ (the upstream provider modules are
# refused by the module proxy; see README.md). One Go module, built from a
# copy in $work; rebuilt when anything under providers/ changes.
prov_src="$here/providers"
prov_hash() {
  (cd "$prov_src" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum -o -name '*.json' \) |
    LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
}

# The pins in versions.env must be what providers/go.mod says.
check_provider_pins() {
  local m="$prov_src/go.mod" want
  for want in \
    "github.com/pulumi/pulumi-terraform-bridge/v3 $PULUMI_TERRAFORM_BRIDGE_MODULE_VERSION" \
    "github.com/terraform-provider-openstack/terraform-provider-openstack/v3 $TF_PROVIDER_OPENSTACK_MODULE_VERSION" \
    "github.com/pulumi/terraform-plugin-sdk/v2 $TF_PLUGIN_SDK_FORK_MODULE_VERSION" \
    "github.com/pulumi/pulumi/sdk/v3 $PULUMI_SDK_MODULE_VERSION" \
    "github.com/pulumi/pulumi/pkg/v3 $PULUMI_PKG_MODULE_VERSION"; do
    grep -qF "$want" "$m" || { say "providers/go.mod does not pin $want (versions.env)"; return 1; }
  done
}

# build_provider NAME VERSION
build_provider() {
  local name="$1" ver="$2"
  local out="$bin/pulumi-resource-$name" stamp="$home/.ok-$name"
  local want
  want="osbp bridge build, version $ver, providers/ source $(prov_hash)"
  if [[ -x "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    say "provider $name $ver: cached ($want)"; return 0
  fi
  local w="$work/providers"
  if [[ ! -d "$w" ]]; then
    cp -r "$prov_src" "$w"; chmod -R u+w "$w"
  fi
  say "provider $name $ver: building ($want; long on a cold Go cache)"
  logged "$logs/$name-build.log" bash -c "cd '$w' && '$GO' build -mod=readonly -trimpath \
    -ldflags '-X main.version=$ver' -o '$out.tmp' ./$name"
  local got
  got="$("$out.tmp" -version)"
  [[ "$got" == "$ver" ]] || { say "provider $name reports version '$got', expected $ver"; return 1; }
  mv "$out.tmp" "$out"
  echo "$want" >"$stamp"
  say "provider $name $ver: built"
}

# Register a provider binary in this cache's PULUMI_HOME at the exact version
# the Python wheel declares (pulumi-plugin.json); again whenever it changed.
install_plugin() {
  local name="$1" ver="$2" out="$bin/pulumi-resource-$1"
  [[ -x "$out" ]] || return 0
  local stamp="$home/.installed-$name-$ver" sum
  sum="$(sha256sum <"$out" | cut -c1-64)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" && -d "$home/pulumi-home/plugins/resource-$name-v$ver" ]]; then
    say "plugin resource $name $ver: installed"; return 0
  fi
  PULUMI_HOME="$home/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true \
    logged "$logs/install-$name.log" "$bin/pulumi" plugin install resource "$name" "$ver" --file "$out" --reinstall
  echo "$sum" >"$stamp"
  say "plugin resource $name $ver: installed into $home/pulumi-home"
}

# gitlab-ci-local from npm, for the blueprints that generate a .gitlab-ci.yml.
install_gitlab_ci_local() {
  local prefix="$home/gitlab-ci-local" ver="$GITLAB_CI_LOCAL_VERSION"
  local out="$prefix/node_modules/.bin/gitlab-ci-local"
  if [[ -x "$out" && "$(cat "$prefix/.version" 2>/dev/null)" == "$ver" ]]; then
    say "gitlab-ci-local $ver: cached"
  else
    command -v npm >/dev/null || logged "$logs/apt-npm.log" apt-get install -y -q npm
    mkdir -p "$prefix"
    logged "$logs/gitlab-ci-local.log" npm install --prefix "$prefix" --no-audit --no-fund \
      --loglevel=error "gitlab-ci-local@$ver"
    echo "$ver" >"$prefix/.version"
    say "gitlab-ci-local $ver: installed"
  fi
  ln -sf "$out" "$bin/gitlab-ci-local"
}

build_cli
build_langhost
install_gitlab_ci_local
check_provider_pins
build_provider openstack "$PULUMI_OPENSTACK_VERSION"
build_provider random "$PULUMI_RANDOM_VERSION"
install_plugin openstack "$PULUMI_OPENSTACK_VERSION"
install_plugin random "$PULUMI_RANDOM_VERSION"

rm -rf "$work"
say "done in $((SECONDS - t0))s"
echo "$bin"
