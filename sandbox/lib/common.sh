# shellcheck shell=bash
# common.sh - paths, logging and process helpers shared by up.sh, down.sh and status.sh.
#
# Every process the sandbox starts is launched with setsid, so its PID is also its
# process-group id; the PID is written to $RUN_DIR/<name>.pid and nothing else is ever
# signalled by down.sh.

SANDBOX_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}
ETC=$STATE/etc
LOG=$STATE/log
RUN=$STATE/run
DATA=$STATE/data
BIN=$STATE/bin
PYLIB=$STATE/lib
PKGROOT=$STATE/pkgs/root          # paste/ini files extracted from the *-common .debs
CLOUDS_YAML=$STATE/clouds.yaml
CLOUD_NAME=osbp-sandbox

# Debian's interpreter, never a pyenv/venv one that happens to be first on PATH.
PY=/usr/bin/python3
export PATH=$BIN:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=$DATA/home                # keeps tools from writing into the caller's $HOME

KEYSTONE_URL=http://127.0.0.1:5000
REGION=RegionOne

# name:port of every TCP listener (all bound to 127.0.0.1).  Used by the preflight check,
# the readiness waits and README/status output.
declare -A PORTS=(
  [epmd]=4369 [rabbitmq]=5672 [rabbitmq-dist]=25672 [mariadb]=3306
  [keystone]=5000 [placement]=8778 [glance-api]=9292 [neutron-server]=9696
  [nova-api]=8774 [cinder-api]=8776 [heat-api]=8004
)
# Opt-in services (added to PORTS when enabled).
declare -A SWIFT_PORTS=([swift-proxy]=8080 [swift-account]=6202 [swift-container]=6201 [swift-object]=6200)
declare -A OCTAVIA_PORTS=([octavia-api]=9876)
declare -A CLOUDKITTY_PORTS=([cloudkitty-api]=8889)

log()  { printf '[%s] %s\n' "$(date +%T)" "$*"; }
die()  { log "ERROR: $*" >&2; exit 1; }
now()  { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

# live_groups : process-group ids that still have a running (non-zombie) member.  Zombies
# are ignored: our daemons are re-parented to PID 1, which may reap them only later.
live_groups() { ps -eo pgid=,stat= | awk '$2 !~ /^Z/ { printf " %s ", $1 }'; }

# group_alive PGID [LIVE] : PGID in LIVE (default: a fresh live_groups)?
group_alive() { [[ ${2:-$(live_groups)} == *" $1 "* ]]; }

# pid_alive NAME -> true when NAME's recorded process group still runs.
pid_alive() {
  local f=$RUN/$1.pid
  [[ -f $f ]] && group_alive "$(<"$f")"
}

# start_bg NAME CMD... : run CMD detached in its own session, log to $LOG/NAME.out, record PID.
start_bg() {
  local name=$1; shift
  if pid_alive "$name"; then log "$name already running (pid $(<"$RUN/$name.pid"))"; return; fi
  # Inside a non-interactive script the background child is not a group leader, so setsid
  # execs in place (no fork) and $! is the session/group leader we will signal later.
  # A daemon keeps no descriptor but its standard three: a lock the caller holds (the
  # sandbox lock of lib/lock.sh on fd 9, or an `flock FILE make ...` around the run) would
  # otherwise stay held for as long as the cloud runs.
  setsid bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; ((fd > 2)) && eval "exec $fd>&-"; done
    exec "$@"' "$name" "$@" >>"$LOG/$name.out" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN/$name.pid"
}

# wait_until NAME TIMEOUT CMD... : poll CMD every 0.5 s.
wait_until() {
  local name=$1 timeout=$2; shift 2
  local t0; t0=$(now)
  until "$@" >/dev/null 2>&1; do
    if (( $(since "$t0") >= timeout )); then log "TIMEOUT after ${timeout}s waiting for $name"; return 1; fi
    sleep 0.5
  done
}

# http_up URL : any HTTP answer that shows the API is serving (version doc or auth demand).
http_up() {
  [[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "$1") =~ ^(200|300|401)$ ]]
}

# port_listening PORT : something listens on TCP PORT (any address).
port_listening() {
  ss -Hltn "sport = :$1" | grep -q .
}
