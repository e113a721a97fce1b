#!/usr/bin/env bash
# Installs what is missing and nothing else, so a second run is instant:
#   install-deps.sh system run|test|image   Debian packages for `make run`, `make test` or `make image`/`image-test`
#                                           (installs only as root)
#   install-deps.sh npm               npm packages, exactly as package-lock.json says
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages each command needs. Keep these lists short and explain each entry.
RUN_PACKAGES=(
  iproute2        # ip: namespaces, links, addresses, routes (lab and burrowd)
  nftables        # nft: the kill switch is an nftables table
  dnsmasq-base    # the router's DHCP and DNS on the LAN; the lab's Internet DNS server
  wireguard-tools # wg: configures the lab's VPN server
  wireguard-go    # the lab's VPN server
  isc-dhcp-client # dhclient: the lab's LAN devices take their addresses by DHCP
)
TEST_PACKAGES=(
  "${RUN_PACKAGES[@]}"
  chromium        # the e2e tier drives Debian's headless Chromium through playwright-core
  iperf3          # TCP transfers through the tunnel in the interop tests and `make bench`
  iputils-ping    # ping inside the tunnel (a fresh machine has no ping)
  tmux            # the recovery console's tests drive it at an 80x24 terminal
  tcpdump         # leak tests count packets on the router's WAN link
  libnss3-tools   # certutil: gives a test Chromium the router's CA to trust
  curl            # verifies the served chain with --cacert, as a user would
  openssl         # `openssl verify` proves the CA's name constraints hold
  python3         # binds the Unix datagram socket burrowd's systemd notifications go to (Node cannot)
)

IMAGE_PACKAGES=(
  mmdebstrap      # builds the image's Debian root filesystem from Debian's packages
  squashfs-tools  # mksquashfs: the read-only root filesystem
  dosfstools      # mkfs.vfat: the boot (EFI system) partition, made without loop devices
  syslinux syslinux-common # the x86_64 image's BIOS loader, installed into the FAT partition without mounting it
  mtools          # mcopy: fills the FAT partition without mounting it (the host kernel may have no vfat)
  fdisk           # sfdisk: the partition table, written to a plain file
  e2fsprogs       # mkfs.ext4 -d: the data partition
  xz-utils        # the compressed copy of the image
  zstd            # fast compression of the squashfs root and of the app bundle
  qemu-user-static binfmt-support # the arm64 image: Debian's arm64 packages configured under emulation
  arch-test       # checks that this machine runs arm64 binaries (binfmt registered)
  g++-aarch64-linux-gnu # the native addons cross-compiled for arm64 (node-gyp --arch=arm64)
  file            # checks each cross-compiled addon is an arm64 ELF file
  qemu-system-x86 # image-test: boots the x86_64 image
  qemu-system-arm # image-test: boots the arm64 image (QEMU virt, the Raspberry Pi profile's kernel)
  ovmf            # image-test: UEFI firmware for QEMU (the x86_64 image boots through systemd-boot)
  seabios         # image-test: the BIOS firmware for QEMU (the same image boots through syslinux)
  iproute2        # image-test: the LAN client's network namespace and tap port
  isc-dhcp-client # image-test: the LAN client takes its address by DHCP
  curl            # image-test: fetches the page and verifies the chain with --cacert
  openssl         # image-test: fingerprints of the served CA
  nftables        # image-test: checks an arm64 image's early table (its own nft cannot run under qemu-user)
)

check_node() {
  local version
  version=$(node -p 'process.versions.node' 2>/dev/null) || { echo "Node.js >= 20.19 is required and 'node' is not on PATH." >&2; exit 1; }
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "Node.js >= 20.19 is required; this machine has $version." >&2
    exit 1
  fi
}

install_system() {
  local -a wanted missing=()
  case "${1:-}" in
    run) wanted=("${RUN_PACKAGES[@]}") ;;
    test) wanted=("${TEST_PACKAGES[@]}") ;;
    image) wanted=("${IMAGE_PACKAGES[@]}") ;;
    *) echo "usage: $0 system run|test|image" >&2; exit 2 ;;
  esac
  command -v dpkg-query >/dev/null || { echo "Not a Debian system: install these by hand if missing: ${wanted[*]}" >&2; return 0; }
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages (run as root to install them): ${missing[*]}" >&2
    return 0
  fi
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_npm() {
  check_node
  echo "Installing npm packages (package-lock.json changed or node_modules is missing)"
  npm ci --no-audit --no-fund
}

case "${1:-}" in
  system) install_system "${2:-}" ;;
  npm) install_npm ;;
  node) check_node ;;
  *) echo "usage: $0 system run|test|image | npm | node" >&2; exit 2 ;;
esac
