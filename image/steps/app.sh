#!/usr/bin/env bash
# Stages the application as it runs on the device, in $1 (becomes /usr/lib/burrow): the built JavaScript of
# firmware/ and api/, the built UI, the bins, and production node_modules only. Native addons come from this
# machine's build, or for another architecture from $2, a tree laid out like the repository (steps/addons.sh).
# All are N-API, and their Node ABI must match the image's: hook-customize.sh checks it.
# usage: app.sh STAGE_DIR [ADDON_ROOT]
set -euo pipefail
STAGE=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ADDONS=$(realpath "${2:-$ROOT}")
rm -rf "$STAGE"
mkdir -p "$STAGE"
cd "$ROOT"
for f in firmware/dist api/dist ui/dist/index.html; do
  [ -e "$f" ] || { echo "$f is missing: run 'make build' first" >&2; exit 1; }
done
for f in firmware/native/build/Release/burrow_tun.node node_modules/sqlite3/build/Release/node_sqlite3.node node_modules/argon2/build/Release/argon2.node; do
  [ -e "$ADDONS/$f" ] || { echo "$ADDONS/$f is missing: run 'make build' (or steps/addons.sh) first" >&2; exit 1; }
done

# npm ci needs every workspace's package.json to match the lock file; only firmware and api are installed.
cp package.json package-lock.json "$STAGE/"
for ws in firmware api ui scripts test; do
  mkdir -p "$STAGE/$ws"
  cp "$ws/package.json" "$STAGE/$ws/"
done
(cd "$STAGE" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error \
  --workspace=@burrow/firmware --workspace=@burrow/api)
rm -rf "$STAGE/ui" "$STAGE/scripts" "$STAGE/test"
find "$STAGE/node_modules" -xtype l -delete # links to the workspaces left out
# npm keeps TypeScript (20 MB): a dev dependency here, but also an optional peer of @nestjs/swagger, which only its
# build-time plugin uses. The device compiles nothing.
rm -rf "$STAGE/node_modules/typescript" "$STAGE/node_modules/.bin/tsc" "$STAGE/node_modules/.bin/tsserver"

cp -a firmware/dist firmware/bin "$STAGE/firmware/"
mkdir -p "$STAGE/firmware/native/build/Release" "$STAGE/ui"
cp "$ADDONS"/firmware/native/build/Release/*.node "$STAGE/firmware/native/build/Release/"
cp -a api/dist api/bin "$STAGE/api/"
cp -a ui/dist "$STAGE/ui/"
# The npm packages' addons as built from source (sqlite3, argon2), never their prebuilt binaries: argon2's
# linux-x64 prebuild crashes (SIGSEGV) under Debian's Node 20, whose OpenSSL and libuv are shared libraries.
for addon in "$ADDONS"/node_modules/*/build/Release/*.node "$ADDONS"/node_modules/@*/*/build/Release/*.node; do
  [ -e "$addon" ] || continue
  package=${addon#"$ADDONS"/}
  package=${package%%/build/*}
  [ -d "$STAGE/$package" ] || continue
  mkdir -p "$STAGE/$package/build/Release"
  cp "$addon" "$STAGE/$package/build/Release/"
  rm -rf "$STAGE/$package/prebuilds"
done

# Nothing the device runs: tests, type declarations, source maps, docs, other platforms' prebuilt addons.
find "$STAGE/firmware/dist" "$STAGE/api/dist" \( -name '*.test.js' -o -name '*.test.d.ts' -o -name testing -type d \) -prune -exec rm -rf {} +
find "$STAGE" \( -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' -o -name '*.map' -o -name '*.tsbuildinfo' \) -type f -delete
find "$STAGE/node_modules" -type f \( -iname '*.md' -o -iname '*.markdown' -o -name '*.ts' \) -delete
node -p 'process.versions.modules' > "$STAGE/.node-abi"
du -sh "$STAGE" | sed 's/^/app bundle: /'
