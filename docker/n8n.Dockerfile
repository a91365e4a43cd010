# syntax=docker/dockerfile:1
#
# n8n with this repository's community package (n8n-nodes-whatsapp-bridge) installed, built from
# the sources here (not from the npm registry). Built by docker-compose.yml; by hand, from the
# repository's root:
#
#   docker build -f docker/n8n.Dockerfile -t n8n-whatsapp-bridge .
#
# Not built on the machine this was written on (no Docker daemon there): docs/containers.md.

# The n8n version the end-to-end test runs the package in (test/e2e/n8nHarness.ts, N8N_VERSION).
ARG N8N_VERSION=2.39.10
ARG NODE_VERSION=24.21.0

# ---------------------------------------------------------------------------------------------
# build: compile nodes/ and credentials/ to dist/ (npm run build) and pack them as npm would
# publish them (npm pack: package.json "files" = dist, plus README and LICENSE).
# ---------------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /src
# The lockfile covers both workspaces, so bridge/package.json must be there for npm ci; with
# --workspaces=false only the root package's dependencies (typescript, gulp, n8n-workflow, ...)
# are installed, not the bridge's.
COPY package.json package-lock.json .npmrc ./
COPY bridge/package.json bridge/
RUN npm ci --workspaces=false --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json gulpfile.js README.md LICENSE ./
COPY nodes ./nodes
COPY credentials ./credentials
RUN npm run build \
 && npm pack --pack-destination /tmp \
 && mkdir -p /out \
 && tar -xzf /tmp/n8n-nodes-whatsapp-bridge-*.tgz -C /out

# ---------------------------------------------------------------------------------------------
# n8n: the official image, with the unpacked package kept outside the user folder. The user
# folder (/home/node/.n8n) is a volume, which would hide anything the image put there and keep an
# old copy across image upgrades, so the entrypoint copies the package into
# /home/node/.n8n/nodes/node_modules (where n8n loads community packages from, as if installed
# with `npm install` there) at every start, then runs n8n's own entrypoint.
# ---------------------------------------------------------------------------------------------
FROM n8nio/n8n:${N8N_VERSION}
# The package has no dependencies of its own (n8n-workflow is a peer that n8n provides).
COPY --from=build /out/package /opt/n8n-nodes-whatsapp-bridge
COPY --chmod=0755 docker/n8n-entrypoint.sh /usr/local/bin/n8n-whatsapp-bridge-entrypoint.sh
USER node
ENTRYPOINT ["tini", "--", "/usr/local/bin/n8n-whatsapp-bridge-entrypoint.sh"]
