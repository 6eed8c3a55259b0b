# shellcheck shell=bash
# swift.sh - optional Swift object storage (up.sh --with-swift): proxy on 127.0.0.1:8080
# with Keystone auth, one account/container/object server each, one replica on a plain
# directory (mount_check off).  No replicators/auditors: not needed for a test cloud.

SWIFT_SERVERS=(account container object)

enable_swift() {
  PACKAGES+=(python3-swift)
  local name
  for name in "${!SWIFT_PORTS[@]}"; do PORTS[$name]=${SWIFT_PORTS[$name]}; done
}

# swift_server_conf TYPE PORT : account/container/object server configuration.
swift_server_conf() {
  cat >"$ETC/swift/$1-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
devices = $DATA/swift/devices
mount_check = false
swift_dir = $ETC/swift
log_name = swift-$1

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
CONF
}

write_swift_conf() {
  mkdir -p "$ETC/swift" "$DATA/swift/devices/d0"
  # The hash suffix must never change once objects exist: derive it from the state dir's password.
  cat >"$ETC/swift/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = $(printf %s "$PASSWORD" | sha1sum | cut -c1-16)
[storage-policy:0]
name = Policy-0
default = yes
CONF
  swift_server_conf account "${PORTS[swift-account]}"
  swift_server_conf container "${PORTS[swift-container]}"
  swift_server_conf object "${PORTS[swift-object]}"
  cat >"$ETC/swift/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${PORTS[swift-proxy]}
workers = 0
swift_dir = $ETC/swift
log_name = swift-proxy

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging listing_formats authtoken keystoneauth copy dlo slo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

$(authtoken swift filter:authtoken)
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true

[filter:keystoneauth]
use = egg:swift#keystoneauth
operator_roles = admin, member

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:dlo]
use = egg:swift#dlo
[filter:slo]
use = egg:swift#slo
CONF
}

# sync_swift : the rings (built once per state dir).
sync_swift() { run_sync swift "$PY" "$SANDBOX_SRC/lib/swift_rings.py" "$ETC/swift"; }

start_swift() {
  local kind
  for kind in "${SWIFT_SERVERS[@]}" proxy; do
    SWIFT_DIR=$ETC/swift start_bg "swift-$kind" "$PY" "$SANDBOX_SRC/lib/swift_launcher.py" \
      "$kind-server" "$ETC/swift/$kind-server.conf"
  done
}
