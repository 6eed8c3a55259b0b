#!/bin/bash
# up.sh - start the osbp OpenStack sandbox: Keystone, Placement, Glance, Nova (fake driver),
# Neutron (ML2, agentless), Cinder (fake driver) and Heat from Debian bookworm's packages,
# every listener on 127.0.0.1, every process tracked by a PID file under $OSBP_SANDBOX_DIR/run.
#
# Usage: up.sh [--clean] [--install-only] [--with-swift] [--with-octavia] [--with-cloudkitty]
#        --clean         stop the sandbox and wipe its state first (cold start)
#        --install-only  install the Debian packages and the launchers, start nothing
#        --with-swift    also run Swift (object-store) on 127.0.0.1:8080
#        --with-octavia  also run Octavia (load-balancer, noop drivers) on 127.0.0.1:9876
#        --with-cloudkitty  also run CloudKitty (rating: hashmap rules, quotes) on 127.0.0.1:8889
# Env:   OSBP_SANDBOX_DIR    state directory (default /var/tmp/osbp-sandbox)
#        OSBP_SANDBOX_IMAGE  name of the default image (default ubuntu-22.04)
#        OSBP_SANDBOX_SWIFT=1    same as --with-swift
#        OSBP_SANDBOX_OCTAVIA=1  same as --with-octavia
#        OSBP_SANDBOX_CLOUDKITTY=1  same as --with-cloudkitty
#
# Idempotent: a second run starts only what is not running, and schema set-up happens once
# per state directory (so a warm start skips it).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
. "$SANDBOX_SRC/lib/install.sh"
. "$SANDBOX_SRC/lib/infra.sh"
. "$SANDBOX_SRC/lib/services.sh"
. "$SANDBOX_SRC/lib/swift.sh"
. "$SANDBOX_SRC/lib/octavia.sh"
. "$SANDBOX_SRC/lib/cloudkitty.sh"
. "$SANDBOX_SRC/lib/lock.sh"

T0=$(now)
trap 'rc=$?; (( rc == 0 )) || log "up.sh failed (exit $rc). Logs: $LOG.  Stop what started: $SANDBOX_SRC/down.sh"' EXIT

WITH_SWIFT=${OSBP_SANDBOX_SWIFT:-}
WITH_OCTAVIA=${OSBP_SANDBOX_OCTAVIA:-}
WITH_CLOUDKITTY=${OSBP_SANDBOX_CLOUDKITTY:-}
INSTALL_ONLY=
OPTIONAL_SERVICES=()

parse_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --clean) "$SANDBOX_SRC/down.sh" --purge ;;
      --install-only) INSTALL_ONLY=1 ;;
      --with-swift) WITH_SWIFT=1 ;;
      --with-octavia) WITH_OCTAVIA=1 ;;
      --with-cloudkitty) WITH_CLOUDKITTY=1 ;;
      -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
      *) die "unknown argument: $arg (see --help)" ;;
    esac
  done
  [[ $WITH_SWIFT != 1 ]] || { enable_swift; OPTIONAL_SERVICES+=(swift); }
  [[ $WITH_OCTAVIA != 1 ]] || { enable_octavia; OPTIONAL_SERVICES+=(octavia); }
  [[ $WITH_CLOUDKITTY != 1 ]] || { enable_cloudkitty; OPTIONAL_SERVICES+=(cloudkitty); }
  export OSBP_SANDBOX_OPTIONAL="${OPTIONAL_SERVICES[*]}"   # read by bootstrap.py
}

make_dirs() {
  mkdir -p "$ETC" "$LOG" "$RUN" "$DATA" "$BIN" "$PYLIB" "$HOME"
  chmod 700 "$STATE"
}

# load_password : one random password per state dir for the DB account, the admin user and
# every service user (kept in $STATE/password, mode 600).
load_password() {
  if [[ ! -s $STATE/password ]]; then
    (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$STATE/password")
  fi
  PASSWORD=$(<"$STATE/password")
  DB_URL="mysql+pymysql://openstack:$PASSWORD@127.0.0.1:${PORTS[mariadb]}"
  TRANSPORT_URL="rabbit://guest:guest@127.0.0.1:${PORTS[rabbitmq]}/"
}

# preflight_ports : refuse to start when a port we need is held by something that is not ours
# (a system MariaDB/RabbitMQ, another cloud, ...).
preflight_ports() {
  local name svc busy=()
  for name in "${!PORTS[@]}"; do
    svc=${name%-dist}
    pid_alive "$svc" && continue
    port_listening "${PORTS[$name]}" && busy+=("$name:${PORTS[$name]}")
  done
  (( ${#busy[@]} == 0 )) || die "ports already in use by other processes: ${busy[*]}"
}

write_all_configs() {
  write_keystone_conf; write_placement_conf; write_glance_conf; write_neutron_conf
  write_nova_conf; write_cinder_conf; write_heat_conf
  local svc
  for svc in "${OPTIONAL_SERVICES[@]}"; do "write_${svc}_conf"; done
}

# cloud_entry NAME USER PROJECT : one clouds.yaml entry.
cloud_entry() {
  cat <<YAML
  $1:
    auth:
      auth_url: $KEYSTONE_URL/v3
      username: $2
      password: $PASSWORD
      project_name: $3
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
YAML
}

# Three clouds: the operator (admin in project admin) and a member and a reader of the
# ordinary project osbp-demo (users created by lib/bootstrap.py).
write_clouds_yaml() {
  (umask 077
   { echo "clouds:"
     cloud_entry "$CLOUD_NAME" admin admin
     cloud_entry "$CLOUD_NAME-member" osbp-member osbp-demo
     cloud_entry "$CLOUD_NAME-reader" osbp-reader osbp-demo
   } >"$CLOUDS_YAML")
}

# make_image_file : a tiny qcow2 (~200 KiB) standing in for the blueprint's Ubuntu image.
make_image_file() {
  IMAGE_FILE=$DATA/tiny.qcow2
  [[ -f $IMAGE_FILE ]] || qemu-img create -q -f qcow2 "$IMAGE_FILE" 512M
}

# Every service but Keystone and nova-compute: schema set-up (first run only) then start,
# one background chain per service so that the quick ones serve while Nova's schema (the
# slowest) is still being built.
CHAIN_PIDS=()
start_service_chains() {
  local svc
  for svc in placement glance neutron nova cinder heat "${OPTIONAL_SERVICES[@]}"; do
    { "sync_$svc" && "start_${svc/nova/nova_controllers}"; } &
    CHAIN_PIDS+=($!)
  done
}

wait_service_chains() {
  local pid failed=0
  for pid in "${CHAIN_PIDS[@]}"; do wait "$pid" || failed=1; done
  (( failed == 0 )) || die "service set-up failed (see $LOG/*-sync.log)"
}

# run_bootstrap : lib/bootstrap.py in the background; it touches $RUN/identity.ready once
# users, roles and the catalog exist, then waits for the other APIs and fills in resources.
BOOTSTRAP_PID=
run_bootstrap() {
  rm -f "$RUN/identity.ready"
  OSBP_SANDBOX_STARTED=${T0%.*} \
  OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=$CLOUD_NAME OSBP_SANDBOX_PASSWORD=$PASSWORD \
    OSBP_SANDBOX_IDENTITY_MARKER=$RUN/identity.ready OSBP_SANDBOX_IMAGE_FILE=$IMAGE_FILE \
    "$PY" "$SANDBOX_SRC/lib/bootstrap.py" >"$LOG/bootstrap.log" 2>&1 &
  BOOTSTRAP_PID=$!
}

identity_ready() { [[ -f $RUN/identity.ready ]]; }
bootstrap_running() { kill -0 "$BOOTSTRAP_PID" 2>/dev/null; }

wait_identity() {
  until identity_ready; do
    bootstrap_running || { cat "$LOG/bootstrap.log" >&2; die "bootstrap failed before identity was ready"; }
    sleep 0.3
  done
}

wait_bootstrap() {
  wait "$BOOTSTRAP_PID" || { tail -20 "$LOG/bootstrap.log" >&2; die "bootstrap failed, see $LOG/bootstrap.log"; }
}

print_summary() {
  local rss pidfiles=("$RUN"/*.pid)
  rss=$(ps -eo pgid=,rss= | awk -v pids=" $(cat "${pidfiles[@]}" | tr '\n' ' ') " \
    'index(pids, " " $1 " ") { s += $2 } END { printf "%d", s / 1024 }')
  cat <<EOF
[$(date +%T)] sandbox up in $(since "$T0") s, ${#pidfiles[@]} process groups, ${rss} MiB RSS
  export OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=$CLOUD_NAME
  openstack server list        # admin in project admin; logs in $LOG
EOF
}

main() {
  sandbox_lock "sandbox up"
  parse_args "$@"
  make_dirs
  install_packages
  extract_common_files
  write_launchers
  install_ml2_driver
  if [[ -n $INSTALL_ONLY ]]; then log "installed in $(since "$T0") s; nothing started"; return; fi
  load_password
  preflight_ports

  log "starting MariaDB and RabbitMQ"
  start_mariadb
  start_rabbitmq
  write_all_configs
  write_clouds_yaml
  make_image_file
  init_databases "$PASSWORD"

  log "starting OpenStack services"
  start_service_chains
  sync_keystone
  start_keystone
  run_bootstrap   # waits for Keystone and its admin user by itself
  bootstrap_keystone_admin
  wait_service_chains
  wait_rabbitmq
  # nova-compute reports to Placement as soon as it starts: its user must exist by then.
  wait_identity
  start_nova_compute

  log "waiting for APIs and services (bootstrap log: $LOG/bootstrap.log)"
  wait_bootstrap
  wait_until "compute host mapping" 60 compute_host_mapped || die "nova-compute host never mapped to cell1"
  print_summary
}

main "$@"
