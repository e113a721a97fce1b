#!/usr/bin/env bash
# Writes the build manifest of an image: the commit, the profile, every Debian package (from the root
# filesystem's dpkg database) and every npm package (from the app's lock) with its version, sorted, so the same
# inputs give the same manifest.
# usage: manifest.sh PROFILE VERSION ROOTFS_DIR APP_STAGE OUT_FILE
set -euo pipefail
PROFILE=$1 VERSION=$2 ROOTFS=$3 APP=$4 OUT=$5
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
commit=$(git -C "$ROOT" rev-parse HEAD)
git -C "$ROOT" diff --quiet HEAD -- . ':!out' ':!build' || commit="$commit (with uncommitted changes)"
{
  echo "# Burrow image manifest"
  echo "version: $VERSION"
  echo "profile: $PROFILE"
  echo "commit: $commit"
  echo "debian: $(cat "$ROOTFS/etc/debian_version")"
  echo "node-abi: $(cat "$APP/.node-abi")"
  # What packed the disk (the BIOS loader written into it comes from the build machine's syslinux).
  echo "build tools: $(dpkg-query -W -f='${Package} ${Version}; ' mmdebstrap squashfs-tools dosfstools mtools syslinux 2>/dev/null)"
  echo
  echo "## Debian packages"
  dpkg-query --admindir="$ROOTFS/var/lib/dpkg" -W -f='${Package} ${Version} ${Architecture}\n' | sort
  echo
  echo "## npm packages"
  node -e '
    const lock = require(process.argv[1]);
    const rows = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith("node_modules/") && !p.link)
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, "")} ${p.version}`);
    console.log([...new Set(rows)].sort().join("\n"));
  ' "$(realpath "$APP/node_modules/.package-lock.json")"
} > "$OUT"
