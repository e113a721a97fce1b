#!/usr/bin/env bash
# `make image`: builds out/burrow-<version>-<profile>.img (+ .img.xz, .sha256, .manifest.txt) for one profile.
# Steps (each its own script under steps/): app bundle → root filesystem (mmdebstrap) → disk image → manifest.
# usage: image/build.sh [PROFILE]   (default x86_64; profiles are image/profiles/*.sh). Run as root.
set -euo pipefail
PROFILE=${1:-x86_64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROFILE_FILE=$ROOT/image/profiles/$PROFILE.sh
[ -f "$PROFILE_FILE" ] || { echo "no profile $PROFILE (image/profiles/)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "make image needs root (mmdebstrap --mode=root)" >&2; exit 1; }
VERSION=${BURROW_VERSION:-$(node -p 'require(process.argv[1]).version' "$ROOT/api/package.json")}
BUILD=$ROOT/build/$PROFILE OUT=$ROOT/out NAME=burrow-$VERSION-$PROFILE
# Reproducible timestamps (squashfs, files) and the clock's floor on the device: the commit's time.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct)}
mkdir -p "$BUILD" "$OUT"
step() { echo "== $1 ($(date -u +%T))"; }
start=$(date +%s)

# shellcheck source=profiles/x86_64.sh
DEB_ARCH=$(. "$PROFILE_FILE" && echo "$DEB_ARCH")
if [ "$DEB_ARCH" != "$(dpkg --print-architecture)" ]; then
  step "qemu-user for $DEB_ARCH (binfmt_misc)"
  "$ROOT/image/steps/binfmt.sh" "$DEB_ARCH" || { echo "cannot run $DEB_ARCH programs here: mmdebstrap would fail" >&2; exit 1; }
  step "native addons for $DEB_ARCH (cross-compiled)"
  "$ROOT/image/steps/addons.sh" "$DEB_ARCH" "$BUILD/addons"
  ADDON_ROOT=$BUILD/addons
else
  ADDON_ROOT=$ROOT # this machine's own builds (make build)
fi
step "app bundle"
"$ROOT/image/steps/app.sh" "$BUILD/app" "$ADDON_ROOT"
step "root filesystem (mmdebstrap, Debian trixie)"
"$ROOT/image/steps/rootfs.sh" "$PROFILE_FILE" "$BUILD/rootfs" "$BUILD/app"
step "disk image"
"$ROOT/image/steps/pack.sh" "$PROFILE_FILE" "$BUILD/rootfs" "$BUILD/pack" "$OUT/$NAME.img"
step "manifest and checksums"
"$ROOT/image/steps/manifest.sh" "$PROFILE" "$VERSION" "$BUILD/rootfs" "$BUILD/app" "$OUT/$NAME.manifest.txt"
xz -T2 -3 -k -f "$OUT/$NAME.img"
(cd "$OUT" && sha256sum "$NAME.img" "$NAME.img.xz" "$NAME.manifest.txt" > "$NAME.sha256")
echo "== done in $(($(date +%s) - start)) s"
(cd "$OUT" && ls -l --block-size=M "$NAME".* | awk '{ print "  " $5 "\t" $9 }')
