# shellcheck shell=bash
# lock.sh - one sandbox, one user at a time: `make e2e`, `make sandbox-up` and
# `make sandbox-down` hold an flock on a well-known file while they run, so a second run
# waits for the first (or refuses) instead of sharing a cloud that the first one then stops
# under it. Self-contained (sourced by e2e/run.sh too, which must not get common.sh's env).
#
# Env: OSBP_SANDBOX_LOCK          the lock file (default: next to the state dir)
#      OSBP_SANDBOX_LOCK_WAIT     "wait" (default) or "no" (refuse at once, exit 2)
#      OSBP_SANDBOX_LOCK_TIMEOUT  seconds to wait before giving up (default 3600)
#      OSBP_SANDBOX_LOCK_HELD     set by the holder: its children (up.sh and down.sh run by
#                                 e2e/run.sh) see that the lock is theirs already

OSBP_SANDBOX_LOCK=${OSBP_SANDBOX_LOCK:-${OSBP_SANDBOX_DIR:-/var/tmp/osbp-sandbox}.lock}

# sandbox_lock WHAT : take the lock for the rest of this shell (on fd 9), or wait for it
# with one line saying who holds it. WHAT names this run for the next one to see.
sandbox_lock() {
  [[ ${OSBP_SANDBOX_LOCK_HELD:-} == "$OSBP_SANDBOX_LOCK" ]] && return 0
  local owner=$OSBP_SANDBOX_LOCK.owner holder
  exec 9>>"$OSBP_SANDBOX_LOCK"
  if ! flock -n 9; then
    holder=$(cat "$owner" 2>/dev/null || true)
    holder=${holder:-another run}
    if [[ ${OSBP_SANDBOX_LOCK_WAIT:-wait} == no ]]; then
      echo "error: the sandbox is in use by $holder (lock $OSBP_SANDBOX_LOCK); try again when it ends" >&2
      exit 2
    fi
    echo "[$(date +%T)] the sandbox is in use by $holder; waiting for it (lock $OSBP_SANDBOX_LOCK)" >&2
    if ! flock -w "${OSBP_SANDBOX_LOCK_TIMEOUT:-3600}" 9; then
      echo "error: the sandbox is still in use by $holder after ${OSBP_SANDBOX_LOCK_TIMEOUT:-3600} s" >&2
      exit 2
    fi
  fi
  echo "$1 (pid $$, since $(date +%T))" >"$owner"
  export OSBP_SANDBOX_LOCK_HELD=$OSBP_SANDBOX_LOCK
}
