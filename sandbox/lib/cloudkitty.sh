# shellcheck shell=bash
# cloudkitty.sh - optional CloudKitty rating API (up.sh --with-cloudkitty) on 127.0.0.1:8889.
# What a tenant-facing project needs from it: the hashmap rating module's services, fields,
# mappings and thresholds (what a project's billing step writes), and the quote API (a price
# for resources described by the caller). The quote is rated by a processor over RPC, so one
# processor runs too; its fetcher has no scope to collect (the local cloud has no Gnocchi and
# no Ceilometer), so it never collects anything. Storage: v1 (SQL), no InfluxDB/Elastic needed.

enable_cloudkitty() {
  PACKAGES+=(python3-cloudkitty)
  PORTS[cloudkitty-api]=${CLOUDKITTY_PORTS[cloudkitty-api]}
  DATABASES+=(cloudkitty)
}

# The guide's metrics (cpu, ram, storage) as services of the rating pipeline, from the
# metrics Ceilometer publishes to Gnocchi on a real cloud.
write_cloudkitty_metrics() {
  cat >"$ETC/cloudkitty/metrics.yml" <<'YAML'
metrics:
  vcpus:
    unit: vcpu
    alt_name: cpu
    groupby: [id, project_id, user_id]
    metadata: [flavor_name, flavor_id]
    extra_args: {aggregation_method: mean, resource_type: instance}
  memory:
    unit: MiB
    alt_name: ram
    groupby: [id, project_id, user_id]
    metadata: [flavor_name, flavor_id]
    extra_args: {aggregation_method: mean, resource_type: instance}
  volume.size:
    unit: GiB
    alt_name: storage
    groupby: [id, project_id, user_id]
    metadata: [volume_type]
    extra_args: {aggregation_method: mean, resource_type: volume}
YAML
}

write_cloudkitty_conf() {
  mkdir -p "$ETC/cloudkitty" "$DATA/cloudkitty"
  write_cloudkitty_metrics
  { cat <<CONF
[DEFAULT]
transport_url = $TRANSPORT_URL
auth_strategy = keystone
api_paste_config = $ETC/cloudkitty/api_paste.ini
$(common_defaults)
[api]
host_ip = 127.0.0.1
port = ${PORTS[cloudkitty-api]}
[storage]
backend = sqlalchemy
version = 1
[collect]
collector = gnocchi
metrics_conf = $ETC/cloudkitty/metrics.yml
[collector_gnocchi]
# never called (the fetcher below gives the processor no scope to collect), but built at
# start: basic auth to a closed port needs no Gnocchi in the catalog
gnocchi_auth_type = basic
gnocchi_user = cloudkitty
gnocchi_endpoint = http://127.0.0.1:9/
[fetcher]
backend = source
[fetcher_source]
sources =
[orchestrator]
coordination_url = file://$DATA/cloudkitty/coordination
max_workers = 1
$(oslo_sections cloudkitty cloudkitty false)
CONF
    authtoken cloudkitty
    service_credentials ks_auth cloudkitty
  } >"$ETC/cloudkitty/cloudkitty.conf"
  # Debian's pipeline (cloudkitty-common's api_paste.ini), keystone variant only
  cat >"$ETC/cloudkitty/api_paste.ini" <<'INI'
[pipeline:cloudkitty+keystone]
pipeline = request_id authtoken ck_api

[app:ck_api]
paste.app_factory = cloudkitty.api.app:app_factory

[filter:authtoken]
acl_public_routes = /, /v1, /v2, /healthcheck
paste.filter_factory = cloudkitty.api.middleware:AuthTokenMiddleware.factory

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory
INI
  cat >"$BIN/cloudkitty-wsgi.py" <<PY
import sys
sys.argv = ["cloudkitty-api", "--config-file", "$ETC/cloudkitty/cloudkitty.conf",
            "--log-file", "$LOG/cloudkitty-api.log"]
from cloudkitty.api import app
application = app.build_wsgi_app(argv=sys.argv[1:])
PY
}

sync_cloudkitty() {
  local conf=(--config-file "$ETC/cloudkitty/cloudkitty.conf")
  run_sync cloudkitty "$PY" -c 'import sys; from cloudkitty.cli.dbsync import main; sys.argv[0] = "cloudkitty-dbsync"; sys.exit(main())' \
    "${conf[@]}" upgrade || return 1
  # v1 storage's tables and the scope states (cloudkitty-storage-init), once per state dir
  run_sync cloudkitty-storage "$PY" -c 'import sys; from cloudkitty.cli.storage import main; sys.argv[0] = "cloudkitty-storage-init"; sys.exit(main())' \
    "${conf[@]}"
}

start_cloudkitty() {
  uwsgi_app cloudkitty-api "${PORTS[cloudkitty-api]}" "$BIN/cloudkitty-wsgi.py"
  start_bg cloudkitty-processor "$PY" -c 'import sys; from cloudkitty.cli.processor import main; sys.argv[0] = "cloudkitty-processor"; sys.exit(main())' \
    --config-file "$ETC/cloudkitty/cloudkitty.conf" --log-file "$LOG/cloudkitty-processor.log"
}
