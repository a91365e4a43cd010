#!/usr/bin/env bash
# Starts the local MongoDB-compatible (FerretDB) and Redis servers if none answer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_ferretdb_binary
ensure_services
log "MongoDB-compatible server and Redis are up"
