# shellcheck shell=bash
# install.sh - Debian packages and the few files taken from the daemon packages.
#
# Only library packages (python3-*) and the infrastructure servers are installed; the
# OpenStack daemon packages (nova-api, neutron-server, ...) would start system services and
# write /etc.  Their paste/ini files are extracted from the *-common .debs instead.

PACKAGES=(
  python3-keystone python3-placement python3-glance python3-nova python3-neutron
  python3-cinder python3-heat python3-openstackclient python3-heatclient python3-openstacksdk
  python3-keystoneclient python3-pymysql
  uwsgi-plugin-python3 rabbitmq-server mariadb-server qemu-utils
)
COMMON_DEBS=(nova-common neutron-common glance-common cinder-common heat-common)

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

install_packages() {
  local missing; missing=$(missing_packages)
  [[ -z $missing ]] && return
  log "installing: $(echo $missing)"
  # mariadb-server and rabbitmq-server start system daemons on the standard ports from
  # their postinst unless policy-rc.d forbids it; forbid it for the duration of the install.
  local policy=/usr/sbin/policy-rc.d added_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added_policy=1
  fi
  apt-get update -q >"$LOG/apt-update.log" 2>&1 || { [[ -n $added_policy ]] && rm -f "$policy"; die "apt-get update failed, see $LOG/apt-update.log"; }
  # shellcheck disable=SC2086
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
    >"$LOG/apt-install.log" 2>&1 || rc=$?
  [[ -n $added_policy ]] && rm -f "$policy"
  (( rc == 0 )) || die "apt-get install failed, see $LOG/apt-install.log"
}

# extract_common_files : unpack the *-common .debs (never installed) into $PKGROOT.
extract_common_files() {
  [[ -f $PKGROOT/.complete ]] && return
  log "extracting paste/ini files from ${COMMON_DEBS[*]}"
  local dir=$STATE/pkgs
  rm -rf "$dir"; mkdir -p "$dir" "$PKGROOT"
  (cd "$dir" && apt-get download "${COMMON_DEBS[@]}" >"$LOG/apt-download.log" 2>&1) \
    || die "apt-get download failed, see $LOG/apt-download.log"
  local deb
  for deb in "$dir"/*.deb; do dpkg-deb -x "$deb" "$PKGROOT"; done
  rm -f "$dir"/*.deb
  touch "$PKGROOT/.complete"
}

# write_launchers : console scripts for the daemons (the python3-* packages ship none).
write_launchers() {
  local spec name module
  for spec in \
      nova-api=nova.cmd.api nova-conductor=nova.cmd.conductor nova-scheduler=nova.cmd.scheduler \
      nova-compute=nova.cmd.compute nova-manage=nova.cmd.manage \
      glance-api=glance.cmd.api glance-manage=glance.cmd.manage \
      neutron-server=neutron.cmd.eventlet.server neutron-db-manage=neutron.db.migration.cli \
      cinder-api=cinder.cmd.api cinder-scheduler=cinder.cmd.scheduler \
      cinder-volume=cinder.cmd.volume cinder-manage=cinder.cmd.manage \
      heat-api=heat.cmd.api heat-engine=heat.cmd.engine heat-manage=heat.cmd.manage; do
    name=${spec%%=*} module=${spec#*=}
    printf '#!%s\nimport sys\nfrom %s import main\nsys.argv[0] = "%s"\nsys.exit(main())\n' \
      "$PY" "$module" "$name" >"$BIN/$name"
    chmod +x "$BIN/$name"
  done
}

# install_ml2_driver : make the agentless ML2 mechanism driver importable by neutron-server.
# Neutron finds mechanism drivers by entry point, so a minimal dist-info is written next to
# the module on neutron-server's PYTHONPATH.
install_ml2_driver() {
  cp "$SANDBOX_SRC/lib/osbp_agentless_mech.py" "$PYLIB/"
  local di=$PYLIB/osbp_agentless_mech-0.1.dist-info
  mkdir -p "$di"
  printf 'Metadata-Version: 2.1\nName: osbp-agentless-mech\nVersion: 0.1\n' >"$di/METADATA"
  printf '[neutron.ml2.mechanism_drivers]\nagentless = osbp_agentless_mech:AgentlessMechanismDriver\n' \
    >"$di/entry_points.txt"
}
