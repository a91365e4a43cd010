#!/usr/bin/env bash
# npm test: install what is missing, start the local test services, then typecheck, lint and
# run the whole vitest suite against the real database (FerretDB 2 + DocumentDB, or MONGODB_URI) and Redis.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_mongodb_built
ensure_services
ensure_chromium
cd "$ROOT"
log "node $(node --version)"
log "typecheck"; npm run --silent typecheck
log "lint"; npm run --silent lint
log "build"; npm run --silent build
log "vitest"
report="$(mktemp)"
set +e
vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
set -e
# One plain closing line that CI reads in any language.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" 2>/dev/null || true
rm -f "$report"
exit $status
