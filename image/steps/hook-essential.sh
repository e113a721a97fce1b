#!/usr/bin/env bash
# mmdebstrap essential hook (before the kernel is unpacked): the initramfs is built once, at the end, by
# hook-customize.sh, with only the modules the profile lists, instead of at every kernel or hook install.
set -euo pipefail
R=$1
. "$BURROW_PROFILE_FILE"
mkdir -p "$R/etc/initramfs-tools/conf.d" "$R/etc/initramfs-tools/hooks"
printf 'MODULES=list\nCOMPRESS=zstd\n' > "$R/etc/initramfs-tools/conf.d/burrow.conf"
{
  echo '#!/bin/sh'
  echo '# Written by the image build: the modules this board needs to reach its root and data partitions.'
  echo 'case "$1" in prereqs) exit 0 ;; esac'
  echo '. /usr/share/initramfs-tools/hook-functions'
  echo "manual_add_modules ${INITRAMFS_MODULES[*]}"
} > "$R/etc/initramfs-tools/hooks/burrow-modules"
chmod 755 "$R/etc/initramfs-tools/hooks/burrow-modules"
chroot "$R" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
ln -sf /bin/true "$R/usr/sbin/update-initramfs"
