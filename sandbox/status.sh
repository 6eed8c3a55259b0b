#!/bin/bash
# status.sh - per-service state of the sandbox: PID, process count, RSS, and the listeners.
set -uo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

[[ -d $RUN ]] || { echo "sandbox not started ($STATE)"; exit 1; }
# pss_kib PGID : proportional set size of a process group (shared pages split between the
# processes sharing them, so totals are not inflated by forked API workers).
pss_kib() {
  local p sum=0 v
  for p in $(ps -eo pid=,pgid= | awk -v g="$1" '$2 == g { print $1 }'); do
    v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null) && sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

total_rss=0 total_pss=0 down=0
printf '%-17s %-8s %-6s %-8s %-8s %s\n' SERVICE PID PROCS RSS_MiB PSS_MiB LISTENS
for f in "$RUN"/*.pid; do
  [[ -e $f ]] || continue
  name=$(basename "$f" .pid) pid=$(<"$f")
  read -r procs kb < <(ps -eo pgid=,rss= | awk -v g="$pid" '$1 == g { n++; s += $2 } END { print n + 0, s + 0 }')
  pss=$(pss_kib "$pid")
  if (( procs == 0 )); then state=DEAD; down=$((down + 1)); else state=$pid; fi
  port=${PORTS[$name]:-${SWIFT_PORTS[$name]:-${OCTAVIA_PORTS[$name]:-}}}; port=${port:+127.0.0.1:$port}
  printf '%-17s %-8s %-6s %-8s %-8s %s\n' "$name" "$state" "$procs" $((kb / 1024)) $((pss / 1024)) "${port:--}"
  total_rss=$((total_rss + kb)) total_pss=$((total_pss + pss))
done
echo "total: RSS $((total_rss / 1024)) MiB, PSS $((total_pss / 1024)) MiB"
echo "clouds.yaml: export OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=$CLOUD_NAME"
(( down == 0 ))
