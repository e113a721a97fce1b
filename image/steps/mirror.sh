#!/usr/bin/env bash
# Prints the Debian mirror to build from: BURROW_DEBIAN_MIRROR when set, else the first Debian mirror of this
# machine's own apt configuration, so no mirror's host name is ever written into the repository.
set -euo pipefail
if [ -n "${BURROW_DEBIAN_MIRROR:-}" ]; then
  echo "${BURROW_DEBIAN_MIRROR%/}"
  exit 0
fi
shopt -s nullglob
# deb822 files first ("URIs: http://…/debian"), then one-line sources ("deb [opts] http://…/debian suite …").
for f in /etc/apt/sources.list.d/*.sources; do
  awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f"
done | sed 's#/$##' | head -n1 | grep . && exit 0
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($i !~ /security/) print $i; break } }' "$f"
done | sed 's#/$##' | head -n1 | grep . && exit 0
echo "No Debian mirror in this machine's apt configuration: set BURROW_DEBIAN_MIRROR" >&2
exit 1
