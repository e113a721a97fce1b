#!/usr/bin/env bash
# Cross-compiles the app's native addons for another architecture ($1, a Debian one: arm64) into $2, laid out as in
# the repository (firmware/native/build/Release/*.node, node_modules/<pkg>/build/Release/*.node), for app.sh to
# take instead of this machine's own builds, which it never touches: each source is copied to $2 and built there.
# All are N-API addons, so this machine's Node headers build them for any Node of the same N-API level.
# usage: addons.sh DEB_ARCH OUT_DIR
set -euo pipefail
ARCH=$1 OUT=$(realpath -m "$2")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$ARCH" in
  arm64) GYP_ARCH=arm64 TRIPLET=aarch64-linux-gnu ELF_MACHINE='ARM aarch64' ;;
  *) echo "addons: no cross-compiler mapping for $ARCH" >&2; exit 1 ;;
esac
command -v "$TRIPLET-g++" >/dev/null || { echo "addons: $TRIPLET-g++ is missing: install g++-$TRIPLET (scripts/install-deps.sh system image)" >&2; exit 1; }
# The headers of this machine's Node (include/node/node_api.h, common.gypi): Debian's nodejs and NodeSource's
# both install them under /usr. node-gyp would otherwise download them.
NODEDIR=${BURROW_NODE_HEADERS:-$(dirname "$(dirname "$(command -v node)")")}
[ -f "$NODEDIR/include/node/node_api.h" ] || { echo "addons: no Node headers in $NODEDIR/include/node (set BURROW_NODE_HEADERS)" >&2; exit 1; }
GYP=$ROOT/node_modules/.bin/node-gyp

# The addons: where the sources are, relative to the repository.
SOURCES=(firmware/native node_modules/sqlite3 node_modules/argon2)
rm -rf "$OUT"
for src in "${SOURCES[@]}"; do
  mkdir -p "$OUT/$src"
  (cd "$ROOT/$src" && tar --exclude=./build --exclude=./prebuilds --exclude=./node_modules -cf - .) | tar -xf - -C "$OUT/$src"
  # binding.gyp files ask node for their include directories (node-addon-api): found from the repository's modules.
  (cd "$OUT/$src" && NODE_PATH=$ROOT/node_modules CC=$TRIPLET-gcc CXX=$TRIPLET-g++ LINK=$TRIPLET-g++ AR=$TRIPLET-ar \
    CC_host=gcc CXX_host=g++ "$GYP" rebuild --arch="$GYP_ARCH" --nodedir="$NODEDIR" --jobs=2 --loglevel=warn >"$OUT/${src//\//_}.log" 2>&1) ||
    { tail -n 30 "$OUT/${src//\//_}.log" >&2; echo "addons: $src did not build for $ARCH" >&2; exit 1; }
done
for node in "$OUT"/*/native/build/Release/*.node "$OUT"/node_modules/*/build/Release/*.node; do
  file -b "$node" | grep -q "ELF 64-bit LSB shared object, $ELF_MACHINE" || { echo "addons: $node is not $ELF_MACHINE: $(file -b "$node")" >&2; exit 1; }
  echo "addons: ${node#"$OUT"/} ($ARCH)"
done
