#!/usr/bin/env bash
# Packs a root filesystem directory into a GPT disk image without loop devices or mounts:
#   1 boot   FAT (EFI system partition): systemd-boot (UEFI) and syslinux (BIOS), the kernel and the initramfs
#   2 root A squashfs of the root filesystem (read-only)
#   3 root B the same size, empty: reserved for A/B updates
#   4 data   ext4, empty; grown to fill the medium at first boot
# usage: pack.sh PROFILE_FILE ROOTFS_DIR WORK_DIR OUT_IMAGE
set -euo pipefail
PROFILE_FILE=$1 ROOTFS=$2 WORK=$3 OUT=$4
. "$PROFILE_FILE"
rm -rf "$WORK" && mkdir -p "$WORK"

# Root A. mksquashfs takes its timestamps from SOURCE_DATE_EPOCH, so the same tree gives the same bytes.
mksquashfs "$ROOTFS" "$WORK/root.sqfs" -comp zstd -Xcompression-level 9 -e boot -noappend -no-progress >"$WORK/mksquashfs.log"
root_bytes=$(stat -c %s "$WORK/root.sqfs")
if ((root_bytes > ROOT_MIB * 1024 * 1024)); then
  echo "the root filesystem ($((root_bytes / 1048576)) MiB) does not fit ROOT_MIB=$ROOT_MIB" >&2
  exit 1
fi

# Boot partition: systemd-boot as the removable-media loader, one entry, no menu.
kver=$(basename "$(ls -d "$ROOTFS"/usr/lib/modules/* | head -n1)")
mkfs.vfat -F 32 -S 512 -s 1 -n BURROW-BOOT -i 0b0b0b0b -C "$WORK/boot.vfat" $((BOOT_MIB * 1024)) >/dev/null
case "$BOOTLOADER" in
  systemd-boot)
    printf 'default burrow-a.conf\ntimeout 0\nconsole-mode keep\neditor no\n' > "$WORK/loader.conf"
    printf 'title Burrow (root A)\nlinux /burrow/vmlinuz\ninitrd /burrow/initrd.img\noptions %s\n' "$KERNEL_CMDLINE" > "$WORK/burrow-a.conf"
    mmd -i "$WORK/boot.vfat" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/burrow
    mcopy -i "$WORK/boot.vfat" "$ROOTFS/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
    mcopy -i "$WORK/boot.vfat" "$WORK/loader.conf" ::/loader/loader.conf
    mcopy -i "$WORK/boot.vfat" "$WORK/burrow-a.conf" ::/loader/entries/burrow-a.conf
    mcopy -i "$WORK/boot.vfat" "$ROOTFS/boot/vmlinuz-$kver" ::/burrow/vmlinuz
    mcopy -i "$WORK/boot.vfat" "$ROOTFS/boot/initrd.img-$kver" ::/burrow/initrd.img
    ;;
  *) echo "unknown BOOTLOADER=$BOOTLOADER" >&2; exit 1 ;;
esac
# A PC without UEFI (or in legacy mode): syslinux on the same FAT partition boots the same kernel and command line.
# The disk's first sector (gptmbr.bin) starts the partition marked LegacyBIOSBootable.
bios_attrs=""
if [ "${BIOS_LOADER:-}" = syslinux ]; then
  printf 'DEFAULT burrow\nPROMPT 0\nTIMEOUT 0\nSERIAL 0 115200\nLABEL burrow\n  LINUX /burrow/vmlinuz\n  INITRD /burrow/initrd.img\n  APPEND %s\n' \
    "$KERNEL_CMDLINE" > "$WORK/syslinux.cfg"
  mmd -i "$WORK/boot.vfat" ::/syslinux
  mcopy -i "$WORK/boot.vfat" "$WORK/syslinux.cfg" ::/syslinux/syslinux.cfg
  syslinux --install --directory /syslinux "$WORK/boot.vfat"
  bios_attrs=', attrs="LegacyBIOSBootable"'
fi

# Data partition: empty; the services lay it out at boot (burrow-persist-layout.service).
mkfs.ext4 -q -F -L burrow-data -U 6c0b0a00-0000-4000-8000-000000000004 -E root_owner=0:0 -T small \
  "$WORK/data.ext4" "${DATA_MIB}M" >/dev/null 2>&1

# The disk: fixed GUIDs so the same inputs give the same image; partitions found by name (PARTLABEL).
total=$((1 + BOOT_MIB + 2 * ROOT_MIB + DATA_MIB + 1))
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
truncate -s "${total}M" "$OUT"
sfdisk --quiet "$OUT" <<EOT
label: gpt
label-id: 6C0B0A00-0000-4000-8000-000000000000
start=1MiB, size=${BOOT_MIB}MiB, type=uefi, name=burrow-boot, uuid=6C0B0A00-0000-4000-8000-000000000001${bios_attrs}
size=${ROOT_MIB}MiB, type=linux, name=burrow-root-a, uuid=6C0B0A00-0000-4000-8000-000000000002
size=${ROOT_MIB}MiB, type=linux, name=burrow-root-b, uuid=6C0B0A00-0000-4000-8000-000000000003
size=${DATA_MIB}MiB, type=linux, name=burrow-data, uuid=6C0B0A00-0000-4000-8000-000000000004
EOT
dd if="$WORK/boot.vfat" of="$OUT" bs=1M seek=1 conv=notrunc,sparse status=none
[ -z "$bios_attrs" ] || dd if=/usr/lib/syslinux/mbr/gptmbr.bin of="$OUT" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/root.sqfs" of="$OUT" bs=1M seek=$((1 + BOOT_MIB)) conv=notrunc,sparse status=none
dd if="$WORK/data.ext4" of="$OUT" bs=1M seek=$((1 + BOOT_MIB + 2 * ROOT_MIB)) conv=notrunc,sparse status=none
echo "root A: $((root_bytes / 1048576)) MiB squashfs in a ${ROOT_MIB} MiB partition; image $(du -h --apparent-size "$OUT" | cut -f1) ($(du -h "$OUT" | cut -f1) allocated)"
