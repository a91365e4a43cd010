#!/usr/bin/env bash
# npm run bench: every bench/*.bench.ts in turn, against the local database and Redis.
# Each prints its figures and the ratio to a baseline measured in the same run.
# BENCH_SCALE=0.01 npm run bench  → a quick run with smaller sizes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_mongodb_built
ensure_services
cd "$ROOT"
status=0
for bench in bench/*.bench.ts; do
  [ -e "$bench" ] || continue
  if [ -n "${1:-}" ] && [[ "$bench" != *"$1"* ]]; then continue; fi
  log "bench: $bench"
  node --expose-gc "$bench" || { log "bench failed: $bench"; status=1; }
done
exit $status
