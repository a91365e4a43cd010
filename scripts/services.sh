#!/usr/bin/env bash
# Builds the local MongoDB-compatible server (once) and starts it and Redis where none answer.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_mongodb_built
ensure_services
log "MongoDB-compatible server and Redis are up"
