# The Raspberry Pi 4 family (Pi 4 B, Pi 400, CM4 on its IO board), 64-bit: Debian's generic arm64 kernel with the
# upstream device trees, started by the Pi's own firmware from the FAT partition (config.txt, cmdline.txt). Not the
# Pi 5: no Debian kernel has its SD card, Ethernet or USB drivers (RP1, sdhci-brcmstb).
# The same image boots QEMU's `virt` machine (image/test/boot-test.sh rpi-arm64), with the kernel and initramfs
# taken from its FAT partition.
# Sourced by image/build.sh; a profile only sets variables, the steps do the work.
# shellcheck disable=SC2034
PROFILE=rpi-arm64
DEB_ARCH=arm64
KERNEL_PACKAGE=linux-image-arm64
# The Pi's boot firmware (start4.elf, fixup4.dat), from non-free-firmware. Not the Wi-Fi chip's firmware
# (firmware-brcm80211, 12 MB): the image drops the wireless drivers, a wired router does not use Wi-Fi.
PROFILE_PACKAGES=(raspi-firmware)
DEBIAN_COMPONENTS="main non-free-firmware"
# The initramfs reaches the root and data partitions on the Pi's SD card (sdhci-iproc), a USB disk (USB boot:
# the VL805 controller behind pcie-brcmstb) or QEMU virt's virtio disk.
INITRAMFS_MODULES=(squashfs overlay ext4 crc32c_generic
  sdhci-iproc mmc_block
  pcie-brcmstb reset-raspberrypi xhci-pci xhci-plat-hcd usb-storage uas sd_mod
  virtio_pci virtio_mmio virtio_blk)
# Partition sizes in MiB (the boot partition holds the kernel and firmware, about 50 MiB).
BOOT_MIB=128
ROOT_MIB=384
DATA_MIB=64
# The Pi's firmware reads only an MBR (dos) partition table; MBR partitions have no names, so the kernel finds
# them by the disk identifier pack.sh writes and the partition's number (PARTUUID=<id>-<nn>).
PARTITION_TABLE=dos
DISK_ID=6c0b0a00
# Consoles: tty1 (HDMI), ttyS1 (the Pi 4's mini UART on GPIO 14/15: serial1 in the upstream device trees, with
# enable_uart=1) and ttyAMA0 (QEMU virt's PL011; on a Pi it drives Bluetooth and is no tty). The last one present
# is /dev/console.
KERNEL_CMDLINE="root=PARTUUID=$DISK_ID-02 rootfstype=squashfs ro rootwait persistdev=PARTUUID=$DISK_ID-04 console=tty1 console=ttyAMA0,115200 console=ttyS1,115200 quiet loglevel=3"
BOOTLOADER=raspi
# The device trees the Pi firmware picks from (upstream names: config.txt sets upstream_kernel=1).
RASPI_DTBS=(bcm2711-rpi-4-b bcm2711-rpi-400 bcm2711-rpi-cm4-io)
# The serial ports the recovery console takes over (besides tty1), each when the kernel has it.
SERIAL_TTYS=(ttyS1 ttyAMA0)
