# shellcheck shell=bash
# services.sh - configuration, schema set-up and start of each OpenStack service.
#
# Each service gets: write_<svc>_conf (regenerated on every up, so edits here always apply),
# sync_<svc> (schema, once per state dir, marker $DATA/<svc>.synced) and start_<svc>.
# Requires: PASSWORD, DB_URL, TRANSPORT_URL (set by up.sh).

# ---- shared config fragments ----------------------------------------------------------

# Settings every oslo.service daemon gets.  graceful_shutdown_timeout: the default (60 s)
# is what made the reference sandbox take a minute to stop.
common_defaults() {
  echo "graceful_shutdown_timeout = 2"
}

# start_daemon NAME CONF... : an oslo.service daemon with its own log file.
start_daemon() {
  local name=$1 conf args=(); shift
  for conf in "$@"; do args+=(--config-file "$conf"); done
  start_bg "$name" "$name" "${args[@]}" --log-file "$LOG/$name.log"
}

# [keystone_authtoken] for a service validating incoming tokens.  Services send each other a
# service token next to the user's; with service_token_roles_required the service user
# needs the 'service' role (bootstrap.py grants it).
authtoken() { # authtoken USER [SECTION]   (SECTION defaults to keystone_authtoken)
  cat <<CONF
[${2:-keystone_authtoken}]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $PASSWORD
service_token_roles_required = true
CONF
}

# Credentials a service uses to call another one (nova->neutron, neutron->nova, ...).
service_credentials() { # service_credentials SECTION USER
  cat <<CONF
[$1]
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $PASSWORD
region_name = $REGION
CONF
}

# The secure RBAC defaults (admin / member / reader personas) are on wherever the Zed release
# has them, as a cloud that follows the upstream recommendation runs; scope checks stay off
# (with enforce_scope, project-scoped admin tokens could no longer do system tasks).
oslo_policy() { # oslo_policy [NEW_DEFAULTS]   (true unless told otherwise)
  cat <<CONF
[oslo_policy]
enforce_new_defaults = ${1:-true}
enforce_scope = false
CONF
}

oslo_sections() { # oslo_sections SERVICE DBNAME [NEW_DEFAULTS]
  cat <<CONF
[database]
connection = $DB_URL/$2
[oslo_concurrency]
lock_path = $DATA/$1/lock
$(oslo_policy "${3:-true}")
CONF
}

# synced SVC : schema already created in this state dir?
synced() { [[ -f $DATA/$1.synced ]]; }
mark_synced() { touch "$DATA/$1.synced"; }

# Schema set-ups off the critical path (Keystone -> identity -> nova-compute, and Nova's
# own schema) run niced, so on a busy machine the critical ones get the CPU first.
NICE_SYNC=(placement glance neutron cinder heat swift octavia cloudkitty cloudkitty-storage)

# run_sync SVC CMD... : run a schema command with its output in $LOG/SVC-sync.log.
run_sync() {
  local svc=$1; shift
  synced "$svc" && return 0
  [[ " ${NICE_SYNC[*]} " == *" $svc "* ]] && set -- nice -n 10 "$@"
  "$@" >"$LOG/$svc-sync.log" 2>&1 || { log "schema sync of $svc failed, see $LOG/$svc-sync.log"; return 1; }
  mark_synced "$svc"
}

# uwsgi_app NAME PORT WSGI_FILE [ENV=VALUE] : a WSGI API under uwsgi on loopback.
# 'Connection: close': uwsgi's plain http-socket mishandles keep-alive, and pooled
# connections from keystoneauth then fail with ConnectionResetError.
uwsgi_app() {
  local env=()
  [[ -z ${4:-} ]] || env=(--env "$4")
  start_bg "$1" uwsgi --plugin python3 --http-socket "127.0.0.1:$2" --wsgi-file "$3" \
    "${env[@]}" --master --processes 1 --threads 4 --lazy-apps --die-on-term \
    --buffer-size 65535 --add-header 'Connection: close' --logto "$LOG/$1-uwsgi.log"
}

# ---- Keystone -------------------------------------------------------------------------

write_keystone_conf() {
  mkdir -p "$ETC/keystone"
  cat >"$ETC/keystone/keystone.conf" <<CONF
[DEFAULT]
log_file = $LOG/keystone.log
[database]
connection = $DB_URL/keystone
[identity]
# bcrypt's minimum cost: every token request hashes a password, and this is a test cloud.
password_hash_rounds = 4
[token]
provider = fernet
[fernet_tokens]
key_repository = $ETC/keystone/fernet-keys
[credential]
key_repository = $ETC/keystone/credential-keys
$(oslo_policy)
CONF
}

# sync_keystone : schema and key repositories (the keys do not touch the database, so they
# are made while db_sync runs).
sync_keystone() {
  synced keystone && return 0
  local km=(keystone-manage --config-file "$ETC/keystone/keystone.conf") out=$LOG/keystone-sync
  "${km[@]}" fernet_setup --keystone-user root --keystone-group root >"$out-fernet.log" 2>&1 & local k1=$!
  "${km[@]}" credential_setup --keystone-user root --keystone-group root >"$out-cred.log" 2>&1 & local k2=$!
  "${km[@]}" db_sync >"$out.log" 2>&1 || die "keystone db_sync failed, see $out.log"
  wait $k1 && wait $k2 || die "keystone key set-up failed, see $out-*.log"
  mark_synced keystone
}

# bootstrap_keystone_admin : admin user/project/role, region and identity endpoint.  Runs
# while uwsgi is still importing Keystone (bootstrap.py retries until admin can log in).
bootstrap_keystone_admin() {
  [[ -f $DATA/keystone-admin.done ]] && return 0
  keystone-manage --config-file "$ETC/keystone/keystone.conf" bootstrap \
    --bootstrap-password "$PASSWORD" --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$KEYSTONE_URL/v3" --bootstrap-internal-url "$KEYSTONE_URL/v3" \
    --bootstrap-public-url "$KEYSTONE_URL/v3" >"$LOG/keystone-bootstrap.log" 2>&1 \
    || die "keystone-manage bootstrap failed, see $LOG/keystone-bootstrap.log"
  touch "$DATA/keystone-admin.done"
}

start_keystone() {
  uwsgi_app keystone "${PORTS[keystone]}" /usr/bin/keystone-wsgi-public \
    "OS_KEYSTONE_CONFIG_FILES=$ETC/keystone/keystone.conf"
}

# ---- Placement ------------------------------------------------------------------------

write_placement_conf() {
  mkdir -p "$ETC/placement"
  { cat <<CONF
[DEFAULT]
log_file = $LOG/placement.log
[placement_database]
connection = $DB_URL/placement
[api]
auth_strategy = keystone
CONF
    authtoken placement; } >"$ETC/placement/placement.conf"
}

sync_placement() { run_sync placement placement-manage --config-file "$ETC/placement/placement.conf" db sync; }

start_placement() {
  uwsgi_app placement "${PORTS[placement]}" /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$ETC/placement"
}

# ---- Glance ---------------------------------------------------------------------------

write_glance_conf() {
  mkdir -p "$ETC/glance" "$DATA/glance/images" "$DATA/glance/staging" "$DATA/glance/tasks"
  cp "$PKGROOT/usr/share/glance-common/glance-api-paste.ini" "$ETC/glance/"
  { cat <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = ${PORTS[glance-api]}
workers = 1
enabled_backends = fs:file
# Glance's own switch for the secure RBAC personas; it refuses to start unless it agrees
# with [oslo_policy] enforce_new_defaults.
enforce_secure_rbac = true
$(common_defaults)
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $DATA/glance/images
[os_glance_staging_store]
filesystem_store_datadir = $DATA/glance/staging
[os_glance_tasks_store]
filesystem_store_datadir = $DATA/glance/tasks
[paste_deploy]
flavor = keystone
config_file = $ETC/glance/glance-api-paste.ini
$(oslo_sections glance glance)
CONF
    authtoken glance; } >"$ETC/glance/glance-api.conf"
}

sync_glance() { run_sync glance glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync; }
start_glance() { start_daemon glance-api "$ETC/glance/glance-api.conf"; }

# ---- Neutron (ML2 with the agentless driver; no L2/L3/DHCP agents) -----------------------

write_neutron_conf() {
  mkdir -p "$ETC/neutron/plugins/ml2" "$DATA/neutron"
  cp "$PKGROOT/usr/share/neutron-common/api-paste.ini" "$ETC/neutron/api-paste.ini"
  { cat <<CONF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = ${PORTS[neutron-server]}
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $TRANSPORT_URL
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
api_paste_config = $ETC/neutron/api-paste.ini
state_path = $DATA/neutron
allow_overlapping_ips = true
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
$(common_defaults)
[quotas]
quota_network = 100
quota_subnet = 100
quota_port = 1000
quota_router = 50
quota_floatingip = 100
quota_security_group = 100
quota_security_group_rule = 1000
$(oslo_sections neutron neutron)
CONF
    authtoken neutron; service_credentials nova nova; } >"$ETC/neutron/neutron.conf"
  # physnet 'public' (flat) carries the external network; physnet1 has VLANs 100-199.
  cat >"$ETC/neutron/plugins/ml2/ml2_conf.ini" <<CONF
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = agentless
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:199
[ml2_type_vxlan]
vni_ranges = 1:1000
[securitygroup]
enable_security_group = true
CONF
}

NEUTRON_CONFS=("$ETC/neutron/neutron.conf" "$ETC/neutron/plugins/ml2/ml2_conf.ini")

sync_neutron() {
  run_sync neutron neutron-db-manage --config-file "${NEUTRON_CONFS[0]}" \
    --config-file "${NEUTRON_CONFS[1]}" upgrade heads
}

# PYTHONPATH: the agentless mechanism driver lives in $PYLIB.
start_neutron() { PYTHONPATH=$PYLIB start_daemon neutron-server "${NEUTRON_CONFS[@]}"; }

# ---- Nova (fake virt driver) -----------------------------------------------------------

COMPUTE_HOST=osbp-compute

write_nova_conf() {
  mkdir -p "$ETC/nova" "$DATA/nova/instances"
  cp "$PKGROOT/usr/share/nova-common/api-paste.ini" "$ETC/nova/api-paste.ini"
  { cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
my_ip = 127.0.0.1
host = $COMPUTE_HOST
state_path = $DATA/nova
instances_path = $DATA/nova/instances
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = ${PORTS[nova-api]}
osapi_compute_workers = 1
# Nobody plugs VIFs (no agent), so do not wait for Neutron's network-vif-plugged event.
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
# The fake driver reports 8 vCPU / 8000 MB / 500 GB; overcommit so that many small servers fit.
initial_cpu_allocation_ratio = 16.0
initial_ram_allocation_ratio = 8.0
initial_disk_allocation_ratio = 4.0
reserved_host_memory_mb = 0
$(common_defaults)
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
[api_database]
connection = $DB_URL/nova_api
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[quota]
instances = 100
cores = 400
ram = 512000
[glance]
region_name = $REGION
[cinder]
os_region_name = $REGION
catalog_info = volumev3::publicURL
$(oslo_sections nova nova)
CONF
    authtoken nova
    service_credentials placement placement
    service_credentials neutron neutron
    # Cinder (OSSA-2023-003 fix) only lets Nova detach a volume when Nova sends a service
    # token; without it detach hangs in 'detaching' with 409 ConflictNovaUsingAttachment.
    service_credentials service_user nova
    echo "send_service_user_token = true"
  } >"$ETC/nova/nova.conf"
}

sync_nova() {
  run_sync nova "$PY" "$SANDBOX_SRC/lib/nova_schema.py" "$ETC/nova/nova.conf" "$DB_URL/nova_cell0"
}

start_nova_controllers() {
  local svc
  for svc in nova-api nova-conductor nova-scheduler; do
    start_daemon "$svc" "$ETC/nova/nova.conf"
  done
}

start_nova_compute() { start_daemon nova-compute "$ETC/nova/nova.conf"; }

# compute_host_mapped : nova-scheduler's periodic discovery (every 5 s, see nova.conf) has put
# the compute host into cell1; until then servers fail with NoValidHost.  Checked in the
# database: no API shows it, and a `nova-manage cell_v2 discover_hosts` run costs seconds.
compute_host_mapped() {
  [[ -n $(mariadb --no-defaults -S "$DB_SOCKET" -uroot -N -e \
    "SELECT 1 FROM nova_api.host_mappings WHERE host = '$COMPUTE_HOST'") ]]
}

# ---- Cinder (fake volume driver: LVM needs device-mapper, absent in this kernel) -------------

write_cinder_conf() {
  mkdir -p "$ETC/cinder" "$DATA/cinder"
  cp "$PKGROOT/usr/share/cinder-common/api-paste.ini" "$ETC/cinder/api-paste.ini"
  cp "$PKGROOT/etc/cinder/resource_filters.json" "$ETC/cinder/"
  { cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
auth_strategy = keystone
my_ip = 127.0.0.1
host = osbp-cinder
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = ${PORTS[cinder-api]}
osapi_volume_workers = 1
api_paste_config = $ETC/cinder/api-paste.ini
resource_query_filters_file = $ETC/cinder/resource_filters.json
state_path = $DATA/cinder
enabled_backends = fake
default_volume_type = __DEFAULT__
quota_volumes = 100
quota_snapshots = 100
quota_gigabytes = 5000
quota_backups = 100
quota_backup_gigabytes = 5000
$(common_defaults)
[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake
target_helper = fake
$(oslo_sections cinder cinder)
CONF
    authtoken cinder; service_credentials nova nova; } >"$ETC/cinder/cinder.conf"
}

sync_cinder() { run_sync cinder cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync; }

start_cinder() {
  local svc
  for svc in cinder-api cinder-scheduler cinder-volume; do
    start_daemon "$svc" "$ETC/cinder/cinder.conf"
  done
}

# ---- Heat (api + engine, stack-user domain 'heat') --------------------------------------

write_heat_conf() {
  mkdir -p "$ETC/heat" "$DATA/heat"
  cp "$PKGROOT/etc/heat/api-paste.ini" "$ETC/heat/api-paste.ini"
  rm -rf "$ETC/heat/environment.d" "$ETC/heat/templates"
  cp -r "$PKGROOT/etc/heat/environment.d" "$PKGROOT/etc/heat/templates" "$ETC/heat/"
  { cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
num_engine_workers = 1
region_name_for_services = $REGION
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = $PASSWORD
stack_user_domain_name = heat
environment_dir = $ETC/heat/environment.d
template_dir = $ETC/heat/templates
# Rendered into server user data only (no heat-api-cfn runs): native Heat resources and
# user_data_format RAW/SOFTWARE_CONFIG do not need it.
heat_metadata_server_url = http://127.0.0.1:8000
heat_waitcondition_server_url = http://127.0.0.1:8000/v1/waitcondition
$(common_defaults)
[heat_api]
bind_host = 127.0.0.1
bind_port = ${PORTS[heat-api]}
workers = 1
[paste_deploy]
api_paste_config = $ETC/heat/api-paste.ini
[trustee]
auth_type = password
auth_url = $KEYSTONE_URL
username = heat
password = $PASSWORD
user_domain_name = Default
[clients_keystone]
auth_uri = $KEYSTONE_URL
$(oslo_sections heat heat)
CONF
    authtoken heat; } >"$ETC/heat/heat.conf"
  # Heat's Zed default for the service list wants a system-scoped token, which its
  # tenant-scoped URL (/v1/<project>/services) cannot carry: the operator's project admin
  # lists the engines instead (oslo.policy finds policy.yaml next to heat.conf).
  cat >"$ETC/heat/policy.yaml" <<YAML
"service:index": "role:admin"
YAML
}

sync_heat() { run_sync heat heat-manage --config-file "$ETC/heat/heat.conf" db_sync; }

start_heat() {
  local svc
  for svc in heat-api heat-engine; do
    start_daemon "$svc" "$ETC/heat/heat.conf"
  done
}
