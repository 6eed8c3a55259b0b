#!/bin/bash
# down.sh - stop the osbp OpenStack sandbox: exactly the process groups recorded in
# $OSBP_SANDBOX_DIR/run/*.pid, nothing found by name.
#
# OpenStack services are stopped first, all at once (they no longer need each other), then
# RabbitMQ and MariaDB, then epmd.  Each wave gets SIGTERM, then SIGKILL for whatever is
# still alive after OSBP_SANDBOX_STOP_TIMEOUT seconds (default 10).
#
# Usage: down.sh [--purge]    --purge: also delete the state directory (next up is cold)
set -uo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
. "$SANDBOX_SRC/lib/lock.sh"

STOP_TIMEOUT=${OSBP_SANDBOX_STOP_TIMEOUT:-10}
INFRA=(rabbitmq mariadb)
LAST=(epmd)

# stop_wave NAME... : TERM the named groups, wait for all of them, KILL the stragglers.
stop_wave() {
  local name pid pids=() t0 live
  live=$(live_groups)
  for name in "$@"; do
    [[ -f $RUN/$name.pid ]] || continue
    pid=$(<"$RUN/$name.pid")
    if group_alive "$pid" "$live"; then
      kill -TERM -- "-$pid" 2>/dev/null
      pids+=("$name:$pid")
    else
      rm -f "$RUN/$name.pid"
    fi
  done
  (( ${#pids[@]} )) || return 0
  log "stopping ${pids[*]}"
  t0=$(now)
  local entry left
  while :; do
    left=() live=$(live_groups)
    for entry in "${pids[@]}"; do group_alive "${entry#*:}" "$live" && left+=("$entry"); done
    (( ${#left[@]} )) || break
    if (( $(since "$t0") >= STOP_TIMEOUT )); then
      log "still alive after ${STOP_TIMEOUT}s, SIGKILL: ${left[*]}"
      for entry in "${left[@]}"; do kill -KILL -- "-${entry#*:}" 2>/dev/null; done
      sleep 0.2
      break
    fi
    sleep 0.2
  done
  for entry in "${pids[@]}"; do rm -f "$RUN/${entry%%:*}.pid"; done
}

# purge_state : delete $STATE, but only if it looks like a sandbox state dir.
purge_state() {
  [[ -d $STATE ]] || return 0
  [[ -f $STATE/password && -d $STATE/run ]] || die "$STATE does not look like a sandbox state dir; not deleting it"
  log "deleting $STATE"
  rm -rf "$STATE"
}

main() {
  local purge=
  case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    *) die "usage: down.sh [--purge]" ;;
  esac
  sandbox_lock "sandbox down"
  stop_all
  [[ -z $purge ]] || purge_state
}

stop_all() {
  [[ -d $RUN ]] || { log "nothing to stop ($RUN does not exist)"; return 0; }
  local t0 services=() f name
  t0=$(now)
  for f in "$RUN"/*.pid; do
    [[ -e $f ]] || continue
    name=$(basename "$f" .pid)
    [[ " ${INFRA[*]} ${LAST[*]} " == *" $name "* ]] || services+=("$name")
  done
  stop_wave "${services[@]}"
  stop_wave "${INFRA[@]}"
  stop_wave "${LAST[@]}"
  rm -f "$RUN/identity.ready"
  log "sandbox stopped in $(since "$t0") s"
}

main "$@"
