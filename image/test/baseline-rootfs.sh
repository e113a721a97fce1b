#!/usr/bin/env bash
# The comparison for the boot test: a bare Debian trixie with one line of Node serving HTTP on port 80, built
# with the same mmdebstrap, kernel, initramfs and packing as the Burrow image (pack.sh), so only Burrow differs.
# usage: baseline-rootfs.sh PROFILE_FILE OUT_DIR
set -euo pipefail
PROFILE_FILE=$(realpath "$1") OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd) STEPS=$(cd "$(dirname "$0")/../steps" && pwd)
. "$PROFILE_FILE"
MIRROR=$("$STEPS/mirror.sh")
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")" # mmdebstrap needs the target's parent to exist
export BURROW_PROFILE_FILE=$PROFILE_FILE
mmdebstrap --mode=root --variant=minbase --architectures="$DEB_ARCH" --quiet \
  --include="systemd-sysv,udev,dbus,kmod,$KERNEL_PACKAGE,initramfs-tools,zstd,nodejs,systemd-boot-efi" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --essential-hook="$STEPS/hook-essential.sh \"\$1\"" \
  --customize-hook='echo baseline > "$1/etc/hostname"; : > "$1/etc/machine-id"' \
  --customize-hook='mkdir -p "$1/etc/systemd/network"; printf "[Match]\nName=en*\n\n[Network]\nDHCP=yes\n" > "$1/etc/systemd/network/10-en.network"' \
  --customize-hook="copy-in $HERE/baseline/hello.service /etc/systemd/system" \
  --customize-hook='systemctl --root="$1" enable systemd-networkd.service hello.service' \
  --customize-hook='rm -f "$1/usr/sbin/update-initramfs"; chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs; chroot "$1" update-initramfs -c -k all >/dev/null' \
  trixie "$OUT" "deb $MIRROR trixie main"
