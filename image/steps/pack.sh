#!/usr/bin/env bash
# Packs a root filesystem directory into a disk image without loop devices or mounts, in the same four
# partitions for every board (only the partition table and the boot partition's contents differ):
#   1 boot   FAT: systemd-boot and syslinux (EFI system partition, GPT: UEFI or BIOS) or the Pi's firmware (MBR), the kernel and the initramfs
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
  raspi)
    # The Pi's firmware (Pi 4 family: start4*.elf, fixup4*.dat) reads config.txt, loads the kernel, the initramfs
    # and the board's device tree from this partition's root, and passes cmdline.txt to the kernel.
    {
      echo "# Burrow on a Raspberry Pi 4, 400 or CM4: Debian's arm64 kernel with the upstream device trees."
      echo "arm_64bit=1"
      echo "upstream_kernel=1"
      echo "# The serial console: the mini UART on GPIO 14 (TX) and 15 (RX), 115200 8N1 (ttyS1)."
      echo "enable_uart=1"
      echo "kernel=vmlinuz"
      echo "initramfs initrd.img followkernel"
      echo "disable_splash=1"
    } > "$WORK/config.txt"
    echo "$KERNEL_CMDLINE" > "$WORK/cmdline.txt"
    for f in "$ROOTFS"/usr/lib/raspi-firmware/start4*.elf "$ROOTFS"/usr/lib/raspi-firmware/fixup4*.dat; do
      mcopy -i "$WORK/boot.vfat" "$f" "::/${f##*/}"
    done
    for dtb in "${RASPI_DTBS[@]}"; do
      mcopy -i "$WORK/boot.vfat" "$ROOTFS/usr/lib/linux-image-$kver/broadcom/$dtb.dtb" "::/$dtb.dtb"
    done
    mcopy -i "$WORK/boot.vfat" "$WORK/config.txt" ::/config.txt
    mcopy -i "$WORK/boot.vfat" "$WORK/cmdline.txt" ::/cmdline.txt
    mcopy -i "$WORK/boot.vfat" "$ROOTFS/boot/vmlinuz-$kver" ::/vmlinuz
    mcopy -i "$WORK/boot.vfat" "$ROOTFS/boot/initrd.img-$kver" ::/initrd.img
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

# The disk: fixed identifiers so the same inputs give the same image. GPT partitions are found by name
# (PARTLABEL=burrow-root-a), MBR ones by the disk identifier and number (PARTUUID=6c0b0a00-02).
total=$((1 + BOOT_MIB + 2 * ROOT_MIB + DATA_MIB + 1))
mkdir -p "$(dirname "$OUT")"
rm -f "$OUT"
truncate -s "${total}M" "$OUT"
case "${PARTITION_TABLE:-gpt}" in
  gpt)
    sfdisk --quiet "$OUT" <<EOT
label: gpt
label-id: 6C0B0A00-0000-4000-8000-000000000000
start=1MiB, size=${BOOT_MIB}MiB, type=uefi, name=burrow-boot, uuid=6C0B0A00-0000-4000-8000-000000000001${bios_attrs}
size=${ROOT_MIB}MiB, type=linux, name=burrow-root-a, uuid=6C0B0A00-0000-4000-8000-000000000002
size=${ROOT_MIB}MiB, type=linux, name=burrow-root-b, uuid=6C0B0A00-0000-4000-8000-000000000003
size=${DATA_MIB}MiB, type=linux, name=burrow-data, uuid=6C0B0A00-0000-4000-8000-000000000004
EOT
    ;;
  dos)
    # Type c (FAT32, LBA) for the firmware's partition; the four are primary partitions 1-4.
    sfdisk --quiet "$OUT" <<EOT
label: dos
label-id: 0x$DISK_ID
start=1MiB, size=${BOOT_MIB}MiB, type=c, bootable
size=${ROOT_MIB}MiB, type=83
size=${ROOT_MIB}MiB, type=83
size=${DATA_MIB}MiB, type=83
EOT
    ;;
  *) echo "unknown PARTITION_TABLE=$PARTITION_TABLE" >&2; exit 1 ;;
esac
dd if="$WORK/boot.vfat" of="$OUT" bs=1M seek=1 conv=notrunc,sparse status=none
[ -z "$bios_attrs" ] || dd if=/usr/lib/syslinux/mbr/gptmbr.bin of="$OUT" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/root.sqfs" of="$OUT" bs=1M seek=$((1 + BOOT_MIB)) conv=notrunc,sparse status=none
dd if="$WORK/data.ext4" of="$OUT" bs=1M seek=$((1 + BOOT_MIB + 2 * ROOT_MIB)) conv=notrunc,sparse status=none
echo "root A: $((root_bytes / 1048576)) MiB squashfs in a ${ROOT_MIB} MiB partition; image $(du -h --apparent-size "$OUT" | cut -f1) ($(du -h "$OUT" | cut -f1) allocated)"
