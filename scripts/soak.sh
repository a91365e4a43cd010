#!/usr/bin/env bash
# npm run soak: four bridges and the test suite on one local database server for SOAK_MINUTES
# (default 10), looking for hangs (bench/soak.ts says what it does and prints).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
ensure_mongodb_built
ensure_services
cd "$ROOT"
npm run --silent build
exec node bench/soak.ts "$@"
