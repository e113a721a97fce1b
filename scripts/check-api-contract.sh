#!/usr/bin/env bash
# Fails when the committed OpenAPI document or the UI's generated client no longer match the API's code.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

node api/dist/bin/write-openapi.js "$tmp/openapi.json"
if ! cmp -s "$tmp/openapi.json" api/openapi.json; then
  echo "api/openapi.json is stale: run 'node api/dist/bin/write-openapi.js api/openapi.json && npm run gen:api -w ui' and commit both." >&2
  diff -u api/openapi.json "$tmp/openapi.json" | head -40 >&2 || true
  exit 1
fi
(cd ui && npx openapi-typescript ../api/openapi.json -o "$tmp/schema.d.ts" >/dev/null)
if ! cmp -s "$tmp/schema.d.ts" ui/src/lib/api/schema.d.ts; then
  echo "ui/src/lib/api/schema.d.ts is stale: run 'npm run gen:api -w ui' and commit it." >&2
  exit 1
fi
echo "API contract: openapi.json and the UI client are up to date."
