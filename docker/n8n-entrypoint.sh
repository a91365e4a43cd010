#!/bin/sh
# Installs the image's copy of n8n-nodes-whatsapp-bridge into n8n's community package folder
# (<user folder>/.n8n/nodes/node_modules, a volume), replacing whatever version is there, and
# lists it in that folder's package.json as `npm install` would; then hands over to the official
# image's entrypoint. See docker/n8n.Dockerfile.
set -eu

package=/opt/n8n-nodes-whatsapp-bridge
nodes="${N8N_USER_FOLDER:-$HOME}/.n8n/nodes"

mkdir -p "$nodes/node_modules"
rm -rf "$nodes/node_modules/n8n-nodes-whatsapp-bridge"
cp -R "$package" "$nodes/node_modules/n8n-nodes-whatsapp-bridge"
node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const version = require(process.argv[2] + "/package.json").version;
  const json = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { name: "installed-nodes", private: true };
  json.dependencies = { ...json.dependencies, "n8n-nodes-whatsapp-bridge": version };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
' "$nodes/package.json" "$package"

exec /docker-entrypoint.sh "$@"
