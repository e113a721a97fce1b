#!/usr/bin/env bash
# Makes this machine run a foreign Debian architecture's programs ($1, e.g. arm64) through qemu-user, which
# mmdebstrap needs to configure the packages: binfmt_misc mounted, qemu's handler registered (with the F flag, so
# it works inside the chroot). A machine whose init is not systemd (containers, small VMs) does neither by itself.
# Nothing to do for the build machine's own architecture. Run as root.
# usage: binfmt.sh DEB_ARCH
set -euo pipefail
ARCH=$1
[ "$ARCH" != "$(dpkg --print-architecture)" ] || exit 0
case "$ARCH" in
  arm64) QEMU_NAME=aarch64 ;;
  armhf) QEMU_NAME=arm ;;
  *) echo "binfmt: no qemu-user mapping for $ARCH" >&2; exit 1 ;;
esac
CONF=/usr/lib/binfmt.d/qemu-$QEMU_NAME.conf
MISC=/proc/sys/fs/binfmt_misc

runs() {
  if command -v arch-test >/dev/null; then arch-test "$ARCH" >/dev/null 2>&1; else [ -e "$MISC/qemu-$QEMU_NAME" ] && grep -q '^enabled' "$MISC/qemu-$QEMU_NAME"; fi
}
runs && exit 0

[ -f "$CONF" ] || { echo "binfmt: $CONF is missing: install qemu-user-static (scripts/install-deps.sh system image)" >&2; exit 1; }
if [ ! -e "$MISC/register" ]; then
  mount -t binfmt_misc binfmt_misc "$MISC" ||
    { echo "binfmt: cannot mount binfmt_misc on $MISC (a container without the privilege, or no kernel support)" >&2; exit 1; }
fi
if [ ! -e "$MISC/qemu-$QEMU_NAME" ]; then
  # The register string is the .conf file's one line; systemd-binfmt writes the same but may be absent.
  grep -v '^[#;]' "$CONF" | grep . | head -n1 > "$MISC/register" ||
    { echo "binfmt: the kernel refused the qemu-$QEMU_NAME handler from $CONF" >&2; exit 1; }
fi
echo 1 > "$MISC/qemu-$QEMU_NAME"
runs || { echo "binfmt: qemu-$QEMU_NAME is registered but $ARCH programs still do not run (arch-test $ARCH)" >&2; exit 1; }
echo "binfmt: registered qemu-$QEMU_NAME for $ARCH"
