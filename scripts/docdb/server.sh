#!/usr/bin/env bash
# Runs one local MongoDB-compatible server: a private PostgreSQL 15 cluster with DocumentDB in
# ordered-index mode, and FerretDB v2.5.0 in front of it on 127.0.0.1:PORT. Built by build.sh.
#
# usage: scripts/docdb/server.sh start|stop|kill|kill-postgres|status PORT [DATA_DIR]
#        scripts/docdb/server.sh psql PORT [psql arguments]   (DOCDB_DATA names another data folder)
#   start   idempotent; safe when two starts race (flock on DATA_DIR); a FerretDB or PostgreSQL
#           that died is started again
#   stop    FerretDB TERM, PostgreSQL fast shutdown
#   kill    a crash: FerretDB SIGKILL, PostgreSQL immediate shutdown (outage tests)
#   kill-postgres  PostgreSQL alone crashes (immediate shutdown); FerretDB keeps answering, with errors
#   DATA_DIR defaults to $WAB_CACHE/docdb/run/PORT. PostgreSQL listens on a Unix socket in it only.
# The system PostgreSQL (port 5432, /etc/postgresql) is neither used nor changed.
set -euo pipefail

USAGE="usage: server.sh start|stop|kill|kill-postgres|status|psql PORT [DATA_DIR]"
CMD="${1:?$USAGE}"
PORT="${2:?$USAGE}"
WAB_CACHE="${WAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/whatsapp-bridge}"
CACHE="${DOCDB_CACHE:-$WAB_CACHE/docdb}"
# psql takes its own arguments after PORT (DATA_DIR then only as DOCDB_DATA)
if [ "$CMD" = psql ]; then DATA="${DOCDB_DATA:-$CACHE/run/$PORT}"; else DATA="${3:-$CACHE/run/$PORT}"; fi
PGBIN="$CACHE/pg/usr/lib/postgresql/15/bin"
FERRET="$CACHE/bin/ferretdb"
PGDATA="$DATA/pgdata"; SOCK="$DATA/sock"; PGPORT=5432 # a socket file name only: no TCP port is opened
log() { printf '[docdb %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { log "$*"; exit 1; }

[ -x "$PGBIN/postgres" ] && [ -x "$FERRET" ] || fail "not built: run scripts/docdb/build.sh (cache $CACHE)"

# PostgreSQL refuses to run as root. As root, run it in a user namespace where root is mapped to
# the postgres uid: the files stay root-owned, nothing is chowned.
as_pg() {
  if [ "$(id -u)" != 0 ]; then "$@"; return; fi
  local u g; u="$(id -u postgres 2>/dev/null || echo 1000)"; g="$(id -g postgres 2>/dev/null || echo 1000)"
  unshare --user --map-user="$u" --map-group="$g" "$@"
}
pg_pid() { [ -f "$PGDATA/postmaster.pid" ] && head -1 "$PGDATA/postmaster.pid"; }
pg_running() { local p; p="$(pg_pid)" && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
ferret_pid() { [ -f "$DATA/ferretdb.pid" ] && cat "$DATA/ferretdb.pid"; }
ferret_alive() { local p; p="$(ferret_pid)" && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# alive and really FerretDB (a pid file left by a crash may name a reused pid)
ferret_running() { ferret_alive && tr '\0' ' ' < "/proc/$(ferret_pid)/cmdline" 2>/dev/null | grep -q "bin/ferretdb --listen-addr=127.0.0.1:$PORT "; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
psql_() { "$PGBIN/psql" -h "$SOCK" -p "$PGPORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 "$@"; }

write_conf() {
  cat > "$PGDATA/docdb.conf" <<EOF
# written by scripts/docdb/server.sh on every start
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$SOCK'
shared_buffers = ${DOCDB_SHARED_BUFFERS:-256MB}
max_connections = 300
jit = off
fsync = ${DOCDB_FSYNC:-on}
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb,pg_documentdb_extended_rum'
cron.database_name = 'postgres'
cron.host = '$SOCK'
# DocumentDB runs its TTL and index jobs through pg_cron every few seconds: do not keep a row per run.
cron.log_run = off
# DocumentDB connects back to itself through libpq for some commands (default 'host=localhost',
# which fails with TCP off; 0.106 then segfaults in count/estimatedDocumentCount).
documentdb.localhost_connection_string = 'host=$SOCK port=$PGPORT'
# as in FerretDB's postgres-documentdb image (packaging/10-preload.sh)
documentdb.enableCompact = true
documentdb.enableLetAndCollationForQueryMatch = true
documentdb.enableNowSystemVariable = true
documentdb.enableSchemaValidation = true
documentdb.enableBypassDocumentValidation = true
documentdb.enableUserCrud = true
documentdb.maxUserLimit = 100
EOF
  if [ "${DOCDB_ORDERED_INDEX:-1}" = 1 ]; then cat >> "$PGDATA/docdb.conf" <<'EOF'
# Ordered mode (experimental in DocumentDB 0.106): new indexes use the extended RUM access method
# with the composite opclass, and ORDER BY is pushed into the index scan, so a listing walks its
# index in order and stops at the limit. A sort on _id must stay a document path (not the primary
# key column) for an index ending in (..., timestamp, _id) to serve it.
documentdb.rum_library_load_option = 'require_documentdb_extended_rum'
documentdb.alternate_index_handler_name = 'extended_rum'
documentdb.defaultUseCompositeOpClass = on
documentdb.enableIndexOrderbyPushdown = on
documentdb.enableSortbyIdPushDownToPrimaryKey = off
EOF
  else cat >> "$PGDATA/docdb.conf" <<'EOF'
# FerretDB's stock settings (DOCDB_ORDERED_INDEX=0): sorts are done by PostgreSQL after the index scan
documentdb.enableSortbyIdPushDownToPrimaryKey = true
EOF
  fi
}

start_pg() {
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 > "$DATA/initdb.log" 2>&1 \
      || { tail -20 "$DATA/initdb.log" >&2; fail "initdb failed"; }
    echo "include_if_exists = 'docdb.conf'" >> "$PGDATA/postgresql.conf"
  fi
  write_conf
  if pg_running; then return; fi
  rm -f "$PGDATA/postmaster.pid"
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$DATA/postgresql.log" -w -t 120 start > /dev/null 9>&- \
    || { tail -20 "$DATA/postgresql.log" >&2; fail "PostgreSQL did not start (log: $DATA/postgresql.log)"; }
  if [ ! -f "$DATA/extensions-created" ]; then
    psql_ -c 'CREATE EXTENSION IF NOT EXISTS documentdb CASCADE' -c 'CREATE EXTENSION IF NOT EXISTS documentdb_extended_rum' \
      > "$DATA/create-extension.log" 2>&1 || { cat "$DATA/create-extension.log" >&2; fail "CREATE EXTENSION failed"; }
    touch "$DATA/extensions-created"
  fi
}

start_ferret() {
  if ferret_running; then return; fi
  port_open "$PORT" && fail "127.0.0.1:$PORT is already taken by another process"
  setsid "$FERRET" --listen-addr="127.0.0.1:$PORT" --debug-addr=127.0.0.1:0 --telemetry=disable \
    --no-auth --log-level="${DOCDB_LOG_LEVEL:-warn}" --state-dir="$DATA/ferretdb-state" \
    --postgresql-url="postgres://postgres@/postgres?host=$SOCK&port=$PGPORT&pool_max_conns=${DOCDB_POOL:-100}" \
    >> "$DATA/ferretdb.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$DATA/ferretdb.pid"
  local i
  for i in $(seq 1 300); do port_open "$PORT" && return; ferret_alive || break; sleep 0.1; done
  tail -20 "$DATA/ferretdb.log" >&2; fail "FerretDB did not start on 127.0.0.1:$PORT"
}

stop_all() {
  local mode=$1 p
  if ferret_running; then
    p="$(ferret_pid)"
    if [ "$mode" = immediate ]; then kill -KILL "$p"; else kill -TERM "$p"; fi
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$DATA/ferretdb.pid"
  if pg_running; then as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m "$mode" -w -t 60 stop > /dev/null || true; fi
}

mkdir -p "$DATA" "$SOCK" "$DATA/ferretdb-state"
exec 9>"$DATA/lock"
case "$CMD" in
  start)
    flock 9
    # A server started from an older build (an earlier patch level) is restarted on the new one.
    if [ -f "$CACHE/BUILD_ID" ] && ! cmp -s "$CACHE/BUILD_ID" "$DATA/started-build" 2>/dev/null && { pg_running || ferret_running; }; then
      log "restarting the server on 127.0.0.1:$PORT on the new build ($(cat "$CACHE/BUILD_ID"))"
      stop_all fast
    fi
    start_pg
    start_ferret
    [ -f "$CACHE/BUILD_ID" ] && cp "$CACHE/BUILD_ID" "$DATA/started-build"
    ;;
  stop) flock 9; stop_all fast ;;
  kill) flock 9; stop_all immediate ;;
  kill-postgres) flock 9; if pg_running; then as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 60 stop > /dev/null || true; fi ;;
  status)
    pg_running && echo "postgresql: running (pid $(pg_pid))" || echo "postgresql: stopped"
    ferret_running && echo "ferretdb: running (pid $(ferret_pid)) on 127.0.0.1:$PORT" || echo "ferretdb: stopped"
    ;;
  psql) shift 2; exec "$PGBIN/psql" -h "$SOCK" -p "$PGPORT" -U postgres -d postgres "$@" ;;
  *) fail "$USAGE" ;;
esac
