#!/usr/bin/env bash
# mmdebstrap customize hook: the overlay files, the app, the users, the units, the clock's floor, trimming, and
# finally the one initramfs build.
set -euo pipefail
R=$1
. "$BURROW_PROFILE_FILE"

# Files from overlays/rootfs, verbatim (owned by root), and the app.
cp -a --no-preserve=ownership "$BURROW_OVERLAY/." "$R/"
mkdir -p "$R/usr/lib/burrow"
cp -a --no-preserve=ownership "$BURROW_APP/." "$R/usr/lib/burrow/"
chown -R root:root "$R/usr/lib/burrow"
image_abi=$(chroot "$R" /usr/bin/node -p 'process.versions.modules')
if [ "$image_abi" != "$(cat "$R/usr/lib/burrow/.node-abi")" ]; then
  echo "The image's Node ABI ($image_abi) differs from the one the addons were built for" >&2
  exit 1
fi
# Every native addon loads in the image's Node (under qemu-user for another architecture): built for the right
# machine and against libraries the image has.
mapfile -t addons < <(cd "$R" && find usr/lib/burrow -name '*.node' -type f | sed 's#^#/#')
chroot "$R" /usr/bin/node -e 'for (const f of process.argv.slice(1)) require(f)' "${addons[@]}" ||
  { echo "A native addon does not load in the image's Node: ${addons[*]}" >&2; exit 1; }
echo "native addons load in the image's Node ($DEB_ARCH): ${addons[*]##*/}"
chroot "$R" systemd-sysusers

# The root filesystem is read-only: names and mount points are fixed here.
echo burrow > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tburrow\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
: > "$R/etc/machine-id" # systemd makes one at each boot
rm -f "$R/var/lib/dbus/machine-id"
ln -sf /run/burrow/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/persist" "$R/data"
# The clock never starts before the build: systemd moves it forward to this file's time early at boot, and
# timesyncd to its clock file's (on /data's /var, updated while running).
touch -d "@${SOURCE_DATE_EPOCH}" "$R/usr/lib/clock-epoch"
mkdir -p "$R/var/lib/systemd/timesync"
touch -d "@${SOURCE_DATE_EPOCH}" "$R/var/lib/systemd/timesync/clock"

# Units: Burrow's, the recovery console instead of login prompts, networkd for the WAN; nothing that would
# change the system by itself (apt timers) or back up a package database that never changes (dpkg-db-backup).
systemctl --root="$R" --quiet enable burrow-early-firewall.service burrow-persist-layout.service \
  burrow-board.service burrowd.service burrow-api.service burrow-grow-data.service burrow-wan-dns.path \
  systemd-networkd.service systemd-timesyncd.service burrow-console@tty1.service
systemctl --root="$R" --quiet disable systemd-networkd-wait-online.service getty@tty1.service 2>/dev/null || true
systemctl --root="$R" --quiet mask getty@tty1.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
  e2scrub_reap.service dpkg-db-backup.timer
# The serial consoles: each wanted by its port's device unit, so it starts only on a board that has the port (a
# profile may list ports of several boards: the Pi's and QEMU's).
for tty in "${SERIAL_TTYS[@]}"; do
  mkdir -p "$R/etc/systemd/system/dev-$tty.device.wants"
  ln -sf ../burrow-console@.service "$R/etc/systemd/system/dev-$tty.device.wants/burrow-console@$tty.service"
  systemctl --root="$R" --quiet mask "serial-getty@$tty.service"
done

# Kernel modules nothing on a wired router uses (graphics, sound, media, wireless, exotic file systems).
for kdir in "$R"/usr/lib/modules/*; do
  rm -rf "$kdir"/kernel/{sound,drivers/gpu,drivers/media,drivers/infiniband,drivers/net/wireless,drivers/bluetooth,drivers/isdn,drivers/staging,drivers/iio,net/wireless,net/mac80211,net/bluetooth}
  rm -rf "$kdir"/kernel/fs/{xfs,btrfs,ocfs2,gfs2,nfs,nfsd,ceph,smb,ubifs,jfs,f2fs,nilfs2,orangefs,afs,coda,bcachefs,reiserfs,gfs2,dlm}
  chroot "$R" depmod -a "${kdir##*/}"
done

# The initramfs, once, with the profile's modules and the data-partition script from the overlay.
rm -f "$R/usr/sbin/update-initramfs"
chroot "$R" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
chroot "$R" update-initramfs -c -k all >/dev/null

# What a read-only appliance never needs.
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/* "$R"/var/cache/debconf/*-old "$R"/var/log/* \
  "$R"/var/cache/ldconfig/aux-cache "$R"/usr/share/doc/*/changelog*
find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
