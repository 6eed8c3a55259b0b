# shellcheck shell=bash
# octavia.sh - optional Octavia load-balancer API (up.sh --with-octavia) on 127.0.0.1:9876.
# The 'amphora' provider runs its real controller-worker flows, but with Octavia's noop
# compute, network, amphora, image and volume drivers: load balancers, listeners, pools,
# members and health monitors reach ACTIVE/ONLINE, and no amphora VM or port is created.

enable_octavia() {
  PACKAGES+=(python3-octavia)
  PORTS[octavia-api]=${OCTAVIA_PORTS[octavia-api]}
  DATABASES+=(octavia)
}

# octavia_ca : the amphora create flow signs a server certificate for every amphora (even a
# noop one), so give it a throw-away CA.
octavia_ca() {
  local dir=$ETC/octavia/ca
  [[ -f $dir/ca.key ]] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=osbp-sandbox-octavia-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" >"$LOG/octavia-ca.log" 2>&1 \
    || die "making the Octavia CA failed, see $LOG/octavia-ca.log"
}

write_octavia_conf() {
  mkdir -p "$ETC/octavia" "$DATA/octavia"
  octavia_ca
  { cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
$(common_defaults)
[api_settings]
bind_host = 127.0.0.1
bind_port = ${PORTS[octavia-api]}
auth_strategy = keystone
enabled_provider_drivers = amphora:Amphora provider with noop drivers
default_provider_driver = amphora
[controller_worker]
workers = 1
amphora_driver = amphora_noop_driver
compute_driver = compute_noop_driver
network_driver = network_noop_driver
image_driver = image_noop_driver
volume_driver = volume_noop_driver
loadbalancer_topology = SINGLE
amp_boot_network_list = 00000000-0000-0000-0000-000000000000
amp_flavor_id = noop
amp_image_tag = noop
client_ca = $ETC/octavia/ca/ca.pem
[certificates]
ca_certificate = $ETC/octavia/ca/ca.pem
ca_private_key = $ETC/octavia/ca/ca.key
[oslo_messaging]
topic = octavia_prov
$(oslo_sections octavia octavia false)
CONF
    authtoken octavia
    service_credentials service_auth octavia
  } >"$ETC/octavia/octavia.conf"
  # uwsgi needs a module-level 'application'; octavia.api.app:setup_app builds it.
  cat >"$BIN/octavia-wsgi.py" <<PY
from octavia.api.app import setup_app
application = setup_app(argv=["octavia-api", "--config-file", "$ETC/octavia/octavia.conf",
                              "--log-file", "$LOG/octavia-api.log"])
PY
}

sync_octavia() {
  run_sync octavia "$PY" -c 'import sys; from octavia.db.migration.cli import main; sys.exit(main())' \
    --config-file "$ETC/octavia/octavia.conf" upgrade head
}

start_octavia() {
  uwsgi_app octavia-api "${PORTS[octavia-api]}" "$BIN/octavia-wsgi.py"
  start_bg octavia-worker "$PY" -c 'import sys; from octavia.cmd.octavia_worker import main; sys.argv[0] = "octavia-worker"; sys.exit(main())' \
    --config-file "$ETC/octavia/octavia.conf" --log-file "$LOG/octavia-worker.log"
}
