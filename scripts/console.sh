#!/bin/bash
# The recovery console against the `make run` appliance: in the lab's router namespace (where burrowd and the
# router's interfaces are, as on the device), on make run's data dir and burrowd's socket. With no lab running it
# still opens on the data dir (burrowd shown as not running). Usage: scripts/console.sh (as root, like make run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export BURROW_DATA_DIR="$root/var"
export BURROW_FIRMWARE_SOCKET="$root/var/run/burrowd.sock"
export BURROW_HTTP_PORT="${BURROW_HTTP_PORT:-8080}"
export BURROW_HTTPS_PORT="${BURROW_HTTPS_PORT:-8443}"
console=("$(command -v node)" "$root/api/bin/burrow-console")
if [[ -f "$root/var/lab.json" ]] && ip netns list | grep -qx 'burrow-router.*'; then
  exec ip netns exec burrow-router "${console[@]}"
fi
exec "${console[@]}"
