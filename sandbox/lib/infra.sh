# shellcheck shell=bash
# infra.sh - MariaDB and RabbitMQ (with its own epmd), private to the sandbox, on loopback.

DB_SOCKET=$RUN/mariadb.sock
DATABASES=(keystone placement glance neutron nova_api nova nova_cell0 cinder heat)

sql() { mariadb --no-defaults -S "$DB_SOCKET" -uroot -e "$1"; }

# start_mariadb : own datadir, no /etc/mysql config, TCP on 127.0.0.1:3306 only.
start_mariadb() {
  if [[ ! -d $DATA/mysql/mysql ]]; then
    mariadb-install-db --no-defaults --datadir="$DATA/mysql" --user=root \
      --auth-root-authentication-method=socket >"$LOG/mariadb-install.log" 2>&1 \
      || die "mariadb-install-db failed, see $LOG/mariadb-install.log"
  fi
  # Small buffer pool and no doublewrite/fsync per commit: this is a throw-away test cloud.
  start_bg mariadb /usr/sbin/mariadbd --no-defaults --datadir="$DATA/mysql" --user=root \
    --bind-address=127.0.0.1 --port="${PORTS[mariadb]}" --socket="$DB_SOCKET" \
    --pid-file="$RUN/mariadbd.pidfile" --log-error="$LOG/mariadb.err" --skip-name-resolve \
    --max-connections=500 --innodb-buffer-pool-size=128M --innodb-log-file-size=48M \
    --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
}

# init_databases DB_PASSWORD : one TCP account for all services, one schema per service.
init_databases() {
  wait_until mariadb 60 sql 'SELECT 1' || die "MariaDB did not start, see $LOG/mariadb.err"
  local stmt="CREATE USER IF NOT EXISTS 'openstack'@'127.0.0.1' IDENTIFIED BY '$1';
    ALTER USER 'openstack'@'127.0.0.1' IDENTIFIED BY '$1';
    GRANT ALL ON *.* TO 'openstack'@'127.0.0.1';" db
  for db in "${DATABASES[@]}"; do stmt+=" CREATE DATABASE IF NOT EXISTS $db CHARACTER SET utf8mb4;"; done
  sql "$stmt"
}

# RabbitMQ reads everything from the environment; keep node, epmd and the distribution
# port on loopback and all state under $STATE.
rabbitmq_env() {
  export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=${PORTS[rabbitmq]} RABBITMQ_DIST_PORT=${PORTS[rabbitmq-dist]} \
    ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=${PORTS[epmd]} \
    RABBITMQ_MNESIA_BASE=$DATA/rabbitmq/mnesia RABBITMQ_LOG_BASE=$LOG/rabbitmq \
    RABBITMQ_CONFIG_FILE=$ETC/rabbitmq/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$ETC/rabbitmq/enabled_plugins \
    RABBITMQ_PID_FILE=$RUN/rabbitmq.pidfile \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

start_rabbitmq() {
  mkdir -p "$ETC/rabbitmq" "$DATA/rabbitmq" "$LOG/rabbitmq"
  echo '[].' >"$ETC/rabbitmq/enabled_plugins"
  cat >"$ETC/rabbitmq/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:${PORTS[rabbitmq]}
loopback_users.guest = true
CONF
  rabbitmq_env
  # Start epmd ourselves (foreground, tracked): otherwise the Erlang VM would spawn an
  # untracked, daemonised epmd listening on every interface.
  start_bg epmd /usr/bin/epmd -address 127.0.0.1 -port "${PORTS[epmd]}"
  wait_until epmd 10 port_listening "${PORTS[epmd]}" || die "epmd did not start"
  start_bg rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
}

wait_rabbitmq() {
  rabbitmq_env
  wait_until rabbitmq 120 port_listening "${PORTS[rabbitmq]}" \
    || die "RabbitMQ did not start, see $LOG/rabbitmq.out"
}
