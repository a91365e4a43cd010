#!/usr/bin/env bash
# npm start: install what is missing, build the n8n package, start local MongoDB-compatible and
# Redis servers when the configured (or default) local addresses do not answer, run the bridge.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
# Unset: the local server on 127.0.0.1:27017, started below when nothing answers there.
export MONGODB_URI="${MONGODB_URI:-mongodb://127.0.0.1:27017/whatsapp-bridge}"
ensure_services

# A fresh clone has no secrets yet: make local ones once, keep them outside the repository,
# and never print them. Variables given in the environment always win.
secrets="$WAB_CACHE/local-secrets.env"
if [ ! -f "$secrets" ]; then
  umask 077
  {
    echo "BRIDGE_ENCRYPTION_KEY=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64"))')"
    echo "BRIDGE_ADMIN_KEY=adm_$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')"
  } > "$secrets"
  log "generated a local encryption key and admin key in $secrets"
fi
while IFS='=' read -r k v; do
  [ -z "${!k:-}" ] && export "$k=$v"
done < "$secrets"
log "admin key: see BRIDGE_ADMIN_KEY in $secrets (or set BRIDGE_ADMIN_KEY yourself)"

if [ ! -d "$ROOT/dist" ] || [ -n "$(find "$ROOT/nodes" "$ROOT/credentials" -newer "$ROOT/dist" -type f 2>/dev/null | head -1)" ]; then
  (cd "$ROOT" && npm run build --silent >&2) || log "the n8n package did not build; the bridge starts anyway"
fi

cd "$ROOT/bridge"
exec node src/main.ts
