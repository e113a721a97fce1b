#!/usr/bin/env bash
# Builds the image's root filesystem in $2 with mmdebstrap (Debian 13 trixie, minbase plus what the product
# needs) for the profile $1, with the app from $3 and ../../overlays/rootfs copied in. Run as root.
# usage: rootfs.sh PROFILE_FILE OUT_DIR APP_STAGE
set -euo pipefail
PROFILE_FILE=$(realpath "$1") OUT=$2 APP=$(realpath "$3")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../profiles/x86_64.sh
. "$PROFILE_FILE"
MIRROR=$("$HERE/mirror.sh")
SECURITY_MIRROR=${BURROW_DEBIAN_SECURITY_MIRROR:-$MIRROR-security}
SUITE=trixie
# Debian's components: main, and more where a board needs it (the Pi's firmware is in non-free-firmware).
COMPONENTS=${DEBIAN_COMPONENTS:-main}

# What every board runs. Kept short; each entry is there for a reason.
PACKAGES=(
  systemd-sysv udev dbus kmod # init, device events, the power button (logind needs dbus)
  "$KERNEL_PACKAGE" initramfs-tools zstd
  nodejs         # Debian's Node 20 runs the API, burrowd and the console
  nftables       # the kill switch
  iproute2       # ip: links, addresses, routes, namespaces (burrowd)
  dnsmasq-base   # the LAN's DHCP and DNS (started by burrowd, not as a service)
  ca-certificates
  systemd-timesyncd # NTP; its clock file on /data keeps time moving forward on boards without a clock
  fdisk e2fsprogs   # sfdisk, resize2fs: the data partition grows at first boot
  iputils-ping      # the recovery console's network check
  "${PROFILE_PACKAGES[@]}"
)

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
export BURROW_APP=$APP BURROW_OVERLAY=$HERE/../../overlays/rootfs BURROW_PROFILE_FILE=$PROFILE_FILE
mmdebstrap --mode=root --variant=minbase --architectures="$DEB_ARCH" --quiet \
  --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --dpkgopt='path-exclude=/usr/share/bash-completion/*' --dpkgopt='path-exclude=/usr/share/zsh/*' \
  --essential-hook="$HERE/hook-essential.sh \"\$1\"" \
  --customize-hook="$HERE/hook-customize.sh \"\$1\"" \
  "$SUITE" "$OUT" \
  "deb $MIRROR $SUITE $COMPONENTS" "deb $MIRROR $SUITE-updates $COMPONENTS" "deb $SECURITY_MIRROR $SUITE-security $COMPONENTS"
