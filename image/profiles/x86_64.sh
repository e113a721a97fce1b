# The x86_64 board: a PC or VM, booted from the FAT partition by systemd-boot (UEFI) or syslinux (BIOS).
# Sourced by image/build.sh; a profile only sets variables, the steps do the work.
# shellcheck disable=SC2034
PROFILE=x86_64
DEB_ARCH=amd64
KERNEL_PACKAGE=linux-image-amd64
# Packages beyond the common list (steps/rootfs.sh): the bootloader's EFI binary (copied to the ESP, then dropped).
PROFILE_PACKAGES=(systemd-boot-efi)
# Kernel modules the initramfs needs to find the root and data partitions on a PC or a VM; the rest load from
# the root filesystem once it is mounted.
INITRAMFS_MODULES=(squashfs overlay ext4 crc32c_generic
  ahci sd_mod nvme usb-storage uas xhci_pci ehci_pci mmc_block sdhci_pci
  virtio_pci virtio_blk virtio_scsi)
# Partition sizes in MiB. Each root partition holds the squashfs with room for later releases (A/B updates).
BOOT_MIB=64
ROOT_MIB=384
DATA_MIB=64
# Where the kernel finds its partitions whatever the disk is called (vda, sda, nvme0n1): by GPT partition name.
KERNEL_CMDLINE="root=PARTLABEL=burrow-root-a rootfstype=squashfs ro persistdev=PARTLABEL=burrow-data systemd.gpt_auto=0 console=tty1 console=ttyS0,115200n8 quiet loglevel=3"
BOOTLOADER=systemd-boot
BIOS_LOADER=syslinux # the host's syslinux (its version is in the manifest)
# GPT: partitions found by name (PARTLABEL), whatever the disk is called.
PARTITION_TABLE=gpt
# The serial ports the recovery console takes over (besides tty1), each when the kernel has it.
SERIAL_TTYS=(ttyS0)
