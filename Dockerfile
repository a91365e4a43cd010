# syntax=docker/dockerfile:1
#
# The WhatsApp bridge (bridge/): TypeScript run directly by Node 24 (type stripping), so there is
# no compile step; the image is the bridge's sources plus its production dependencies.
#
#   docker build -t whatsapp-bridge .
#   docker run --rm --init --stop-timeout 20 -p 3000:3000 \
#     -e BRIDGE_ENCRYPTION_KEY=... -e MONGODB_URI=... -e REDIS_URL=... whatsapp-bridge
#
# docker-compose.yml runs it beside MongoDB, Redis and n8n; docs/containers.md explains both.
# Neither has been built or run on the machine this was written on (no Docker daemon there):
# see docs/containers.md for what was checked instead.

# The Node version the project's scripts use (scripts/lib.sh, NODE_VERSION).
ARG NODE_VERSION=24.21.0

# ---------------------------------------------------------------------------------------------
# deps: the bridge workspace's production dependencies, from the committed lockfile.
# ---------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
# The lockfile describes both workspaces (the root n8n package and bridge/), so npm ci needs both
# package.json files. .npmrc sets ignore-scripts: nothing the bridge uses needs install scripts
# (the same as `npm start` outside a container).
COPY package.json package-lock.json .npmrc ./
COPY bridge/package.json bridge/
# --workspace=bridge --omit=dev: only what the bridge imports at run time. The root package's
# devDependencies (typescript, eslint, vitest, n8n-workflow, ...) are not installed.
RUN npm ci --workspace=bridge --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-slim AS runtime

# BRIDGE_SPOOL_DIR: the inbound journal and spool must survive a restart of the container (the
# next start replays them), so they live under /var/lib/whatsapp-bridge, where docker-compose.yml
# mounts a volume. The sandbox simulator's state goes there too (only used with WA_SANDBOX=true,
# which NODE_ENV=production refuses unless WA_SANDBOX_ALLOW_IN_PRODUCTION=true).
ENV NODE_ENV=production \
    PORT=3000 \
    BRIDGE_SPOOL_DIR=/var/lib/whatsapp-bridge/spool \
    WA_SANDBOX_STATE_FILE=/var/lib/whatsapp-bridge/sandbox-state.json

# No ffmpeg: the bridge does not call it. Baileys would use it only for video thumbnails of
# outbound media and carries on without one when it is missing.

# The code and node_modules stay owned by root (read-only for the process); only the data folder
# belongs to the unprivileged `node` user (uid 1000) that the official image provides.
RUN mkdir -p /var/lib/whatsapp-bridge/spool \
 && chown -R node:node /var/lib/whatsapp-bridge

WORKDIR /app
COPY --from=deps /app ./
COPY bridge/src ./bridge/src

USER node
WORKDIR /app/bridge
# 3000: the API (PORT). 9464: /metrics when METRICS_PORT=9464 moves it to a listener of its own
# (docker-compose.yml does; unset, /metrics is on PORT).
EXPOSE 3000 9464
VOLUME ["/var/lib/whatsapp-bridge"]

# Liveness: GET /healthz (bridge/src/http/routes/health/router.ts) answers 200 as soon as the HTTP
# server listens; it does not ask MongoDB or Redis (that is /readyz), and it is always on PORT
# (METRICS_PORT moves only /metrics). No curl or wget in slim images, so Node's fetch does it.
# --start-period covers start-up: the bridge connects to MongoDB and Redis and, without
# WA_VERSION, asks web.whatsapp.com for the current version (5 s timeout) before it listens.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The same command as bridge/package.json's start script and scripts/start.sh (from bridge/).
# bridge/src/main.ts handles SIGTERM and SIGINT once it listens: it drains HTTP (up to
# SHUTDOWN_TIMEOUT_MS, 10 s), closes sessions and connections, and exits; a hard stop fires at
# SHUTDOWN_TIMEOUT_MS + 5 s. Give `docker stop` more than that (--stop-timeout 20; compose:
# stop_grace_period: 20s), or Docker's default 10 s kills it mid-drain. As PID 1 without an init,
# a SIGTERM that arrives during start-up (before the handler exists) is ignored by the kernel,
# so run it with --init (compose: init: true) to have that one end the process too.
STOPSIGNAL SIGTERM
CMD ["node", "src/main.ts"]
