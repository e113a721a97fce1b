#!/usr/bin/env bash
# Checks what an image's root filesystem holds: units, users, ownership and modes, production-only node_modules,
# the early nftables table. `make image-test` (and so `make test` as root) runs it on the tree `make image` built;
# without an argument it builds the x86_64 root filesystem alone first (about 1-2 min), a quick check while working
# on the image. Every check prints PASS or FAIL; the script fails at the end if any failed. Run as root.
# usage: image/test/rootfs-check.sh [ROOTFS_DIR [PROFILE]]   (given a directory, checks it without building;
#        PROFILE, default x86_64, names its serial ports)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$ROOT/build/rootfs-check
PROFILE=${2:-x86_64}
# shellcheck source=../profiles/x86_64.sh
. "$ROOT/image/profiles/$PROFILE.sh"
[ "$(id -u)" -eq 0 ] || { echo "the root filesystem check needs root (mmdebstrap --mode=root)" >&2; exit 1; }

if [ $# -ge 1 ]; then
  R=$1
else
  R=$WORK/rootfs
  export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct)}
  start=$(date +%s)
  "$ROOT/image/steps/app.sh" "$WORK/app"
  "$ROOT/image/steps/rootfs.sh" "$ROOT/image/profiles/x86_64.sh" "$R" "$WORK/app"
  echo "built the root filesystem in $(($(date +%s) - start)) s"
fi

failed=0
check() { # check DESCRIPTION COMMAND…: runs COMMAND quietly, prints PASS or FAIL.
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "PASS $what"; else echo "FAIL $what"; failed=1; fi
}
wanted_by() { [ -L "$R/etc/systemd/system/$1.wants/$2" ]; }
masked() { [ "$(readlink "$R/etc/systemd/system/$1")" = /dev/null ]; }

# Units: the kill switch's table before any interface, the services, the consoles instead of login prompts.
check "early firewall in sysinit" wanted_by sysinit.target burrow-early-firewall.service
check "early firewall ordered before the network" grep -qx 'Before=network-pre.target shutdown.target' "$R/etc/systemd/system/burrow-early-firewall.service"
check "systemd-timesyncd enabled" wanted_by sysinit.target systemd-timesyncd.service
for unit in burrowd.service burrow-api.service burrow-board.service burrow-grow-data.service burrow-wan-dns.path \
  systemd-networkd.service; do
  check "$unit enabled" wanted_by multi-user.target "$unit"
done
check "data layout enabled" wanted_by local-fs.target burrow-persist-layout.service
check "console on tty1" wanted_by getty.target burrow-console@tty1.service
for tty in "${SERIAL_TTYS[@]}"; do
  check "console on $tty (when the port exists)" wanted_by "dev-$tty.device" "burrow-console@$tty.service"
  check "no login prompt on $tty" masked "serial-getty@$tty.service"
done
check "no login prompt on tty1" masked getty@tty1.service
check "no apt timers" masked apt-daily.timer
check "no package database backups" masked dpkg-db-backup.timer
# burrowd tells systemd when it is ready (the API and the network wait for it) and is restarted when it hangs.
burrowd_unit=$R/etc/systemd/system/burrowd.service
check "burrowd is Type=notify" grep -qx 'Type=notify' "$burrowd_unit"
check "burrowd's notifications come from its main process only" grep -qx 'NotifyAccess=main' "$burrowd_unit"
check "burrowd has a watchdog" grep -qx 'WatchdogSec=30s' "$burrowd_unit"
check "burrowd restarts always" grep -qx 'Restart=always' "$burrowd_unit"
check "the API starts beside burrowd, once /data is mounted" grep -qx 'After=data.mount' "$R/etc/systemd/system/burrow-api.service"

# Users: the API's own, unprivileged, no shell; the API unit runs as it with the one capability it needs.
check "user burrow, no login" grep -q '^burrow:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$R/etc/passwd"
check "the API runs as burrow" grep -qx 'User=burrow' "$R/etc/systemd/system/burrow-api.service"
check "the API binds 443/80 with CAP_NET_BIND_SERVICE alone" grep -qx 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' "$R/etc/systemd/system/burrow-api.service"
check "the API writes only /data" grep -qx 'ReadWritePaths=/data' "$R/etc/systemd/system/burrow-api.service"

# The data partition's layout is made at boot: /persist/api is the API's (0700), /persist/burrowd root's.
layout=$R/etc/systemd/system/burrow-persist-layout.service
check "/persist/api: burrow, 0700" grep -qx 'ExecStart=/usr/bin/install -d -o burrow -g burrow -m 0700 /persist/api' "$layout"
check "/persist/burrowd: root, 0700" grep -qx 'ExecStart=/usr/bin/install -d -o root -g root -m 0700 /persist/burrowd' "$layout"
check "/data is bind-mounted from /persist/api" grep -q '^/persist/api  */data  *none  *bind' "$R/etc/fstab"
check "/data and /persist are empty mount points" test -z "$(find "$R/data" "$R/persist" -mindepth 1 -print -quit)"
# Nothing in the image belongs to the API's user: its code and config are root's, so it can change none of them.
burrow_uid=$(awk -F: '$1 == "burrow" { print $3 }' "$R/etc/passwd")
check "no file owned by burrow (uid $burrow_uid)" test -z "$(find "$R" -xdev -uid "$burrow_uid" -print -quit)"
check "the app is root's and not writable by others" test -z "$(find "$R/usr/lib/burrow" \( ! -uid 0 -o -perm -o+w \) ! -type l -print -quit)"
check "/run/burrow: 0750 root:burrow" grep -qx 'd /run/burrow 0750 root burrow -' "$R/usr/lib/tmpfiles.d/burrow.conf"

# The app: production node_modules only (no package the lock marks dev), native addons for the image's Node.
dev_packages=$(cd "$R/usr/lib/burrow" && node -e '
  const lock = require("./package-lock.json");
  const fs = require("fs");
  const installed = fs.readdirSync("node_modules").flatMap((name) =>
    name.startsWith("@") ? fs.readdirSync(`node_modules/${name}`).map((sub) => `${name}/${sub}`) : [name]);
  console.log(installed.filter((name) => lock.packages[`node_modules/${name}`]?.dev === true).join(" "));')
check "production node_modules only${dev_packages:+ (dev: $dev_packages)}" test -z "$dev_packages"
check "no TypeScript, ava or eslint" test ! -e "$R/usr/lib/burrow/node_modules/typescript" -a ! -e "$R/usr/lib/burrow/node_modules/ava" -a ! -e "$R/usr/lib/burrow/node_modules/eslint"
check "no tests in the app" test -z "$(find "$R/usr/lib/burrow/api/dist" "$R/usr/lib/burrow/firmware/dist" -name '*.test.js' -print -quit)"
check "addons built for the image's Node" test "$(chroot "$R" /usr/bin/node -p process.versions.modules)" = "$(cat "$R/usr/lib/burrow/.node-abi")"
check "the API's modules load in the image's Node" chroot "$R" /usr/bin/node -e 'require("/usr/lib/burrow/node_modules/sqlite3"); require("/usr/lib/burrow/node_modules/argon2")'

# The early table: present, parses, blocks forwarding.
check "early nftables table present" test -f "$R/etc/burrow/early.nft"
check "early table forwards nothing" grep -q 'type filter hook forward priority filter; policy drop;' "$R/etc/burrow/early.nft"
# The image's own nft when it runs natively; for another architecture this machine's (qemu-user has no netlink).
if [ "$DEB_ARCH" = "$(dpkg --print-architecture)" ]; then
  check "early table parses (the image's nft -c)" chroot "$R" /usr/sbin/nft -c -f /etc/burrow/early.nft
else
  check "early table parses (this machine's nft -c: qemu-user has no netlink)" nft -c -f "$R/etc/burrow/early.nft"
fi

# Small: no docs or man pages.
check "no man pages" test -z "$(find "$R/usr/share/man" -type f -print -quit 2>/dev/null)"
echo "root filesystem: $(du -sh --exclude=proc "$R" | cut -f1)"
[ "$failed" -eq 0 ] && echo "ALL PASSED"
exit "$failed"
