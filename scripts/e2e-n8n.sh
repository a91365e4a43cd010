#!/usr/bin/env bash
# npm run test:e2e: the package in a real n8n. Installs the pinned n8n into the cache outside the
# repository (first run only; reused afterwards), builds the package, makes sure the local database, Redis
# and PostgreSQL answer, then runs test/e2e/*.e2e.ts (each test creates and drops its own
# PostgreSQL database and temp user folder).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N8N_VERSION="2.39.10"
N8N_E2E_DIR="${N8N_E2E_DIR:-$WAB_CACHE/n8n-$N8N_VERSION}"
export N8N_E2E_DIR

ensure_toolchain
ensure_mongodb_built
ensure_services

# n8n's own database: the PostgreSQL cluster of the local database server (through its socket),
# so the test needs no other server; E2E_PGHOST/E2E_PGPORT point it at another PostgreSQL.
if [ -z "${E2E_PGHOST:-}" ]; then
  mport="$(local_port_of "${MONGODB_URI:-mongodb://127.0.0.1:27017/whatsapp-bridge}" 27017)"
  [ -n "$mport" ] || mport=27017
  bash "$ROOT/scripts/docdb/server.sh" start "$mport" >/dev/null
  export E2E_PGHOST="$WAB_CACHE/docdb/run/$mport/sock" E2E_PGPORT=5432
fi
if ! pg_isready -q -h "$E2E_PGHOST" -p "${E2E_PGPORT:-5432}"; then
  log "PostgreSQL does not answer on $E2E_PGHOST:${E2E_PGPORT:-5432} (n8n's database for the e2e test)"
  exit 1
fi

if [ ! -f "$N8N_E2E_DIR/.installed" ]; then
  log "installing n8n@$N8N_VERSION into $N8N_E2E_DIR (first run only; about 5 minutes, ~3 GB)"
  mkdir -p "$N8N_E2E_DIR"
  started=$(date +%s)
  (cd "$N8N_E2E_DIR" \
    && echo '{"name":"wab-n8n-e2e","private":true}' > package.json \
    && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "n8n@$N8N_VERSION" >&2)
  echo "$N8N_VERSION installed in $(( $(date +%s) - started )) s" > "$N8N_E2E_DIR/.installed"
  log "$(cat "$N8N_E2E_DIR/.installed")"
fi

cd "$ROOT"
log "build"; npm run --silent build
log "vitest (real n8n $N8N_VERSION)"
exec vitest run -c vitest.e2e.config.ts "$@"
