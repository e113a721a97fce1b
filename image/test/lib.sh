#!/usr/bin/env bash
# Shell functions of the image's boot test (boot-test.sh sources this): the LAN namespace, QEMU for each
# architecture, waiting with a budget from power-on, power-off, the partitions of a disk image. They use the
# caller's NS, WORK, LAN_IP, PROBE_IP, BEYOND_PORT, BOOT_TIMEOUT, HTTPS_TIMEOUT and, for x86_64, OVMF_CODE.
# shellcheck disable=SC2034 # QEMU_PID, BOOT_START: read by the caller

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }
QEMU_PID="" LISTENER_PID=""
cleanup() {
  [ -z "$QEMU_PID" ] || kill "$QEMU_PID" 2>/dev/null || true
  [ -z "$LISTENER_PID" ] || kill "$LISTENER_PID" 2>/dev/null || true
  sleep 0.5
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "/etc/netns/$NS"
}

# lan_up: the LAN. The namespace's tap is the LAN client's NIC; QEMU runs inside the namespace so its user networking
# (the WAN) forwards from the namespace's loopback. dhclient there must not touch this machine's resolv.conf. A
# listener on the namespace's loopback stands for the internet: the guest's WAN reaches it as 10.0.2.2.
lan_up() {
  ip netns del "$NS" 2>/dev/null || true
  ip netns add "$NS"
  mkdir -p "/etc/netns/$NS" && : > "/etc/netns/$NS/resolv.conf"
  in_ns ip link set lo up
  in_ns ip tuntap add dev lan0 mode tap
  in_ns ip link set lan0 up
  in_ns ip addr add "$PROBE_IP/24" dev lan0
  ip netns exec "$NS" node -e '
    require("http").createServer((q, s) => { require("fs").appendFileSync(process.argv[1], q.url + "\n"); s.end("beyond\n"); })
      .listen(Number(process.argv[2]), "127.0.0.1");' "$WORK/beyond.log" "$BEYOND_PORT" &
  LISTENER_PID=$!
}

# boot ARCH DISK SERIAL_LOG [QEMU args…]: starts QEMU in the background (its pid in QEMU_PID), TCG, 2 CPUs, 1 GiB,
# the disk on virtio, the WAN (user networking) as the first NIC; the caller adds the LAN.
#   amd64: a q35 PC with UEFI (OVMF): the image's own systemd-boot starts the kernel.
#   amd64-bios: the same PC with a BIOS (SeaBIOS): the image's syslinux starts it.
#   arm64: QEMU's virt machine (a Cortex-A72, as in a Pi 4). The Pi's firmware cannot be emulated, so QEMU loads
#          the kernel, the initramfs and the command line the firmware would: from the image's FAT partition.
boot() {
  local arch=$1 disk=$2 serial=$3
  shift 3
  local common=(-accel tcg -smp 2 -m 1024 -display none -monitor none
    -netdev "user,id=wan,hostfwd=tcp:127.0.0.1:18080-:80" -device virtio-net-pci,netdev=wan
    -serial "file:$serial" -qmp "unix:$disk.qmp,server=on,wait=off" -no-reboot)
  case "$arch" in
    amd64 | amd64-bios)
      # UEFI firmware (OVMF: the image's systemd-boot), or QEMU's own BIOS (SeaBIOS: the image's syslinux).
      local firmware=()
      if [ "$arch" = amd64 ]; then
        cp "/usr/share/OVMF/OVMF_VARS_4M.fd" "$disk.vars"
        firmware=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" -drive "if=pflash,format=raw,file=$disk.vars")
      fi
      ip netns exec "$NS" qemu-system-x86_64 -cpu max -machine q35 "${common[@]}" "${firmware[@]}" \
        -drive "file=$disk,if=virtio,format=raw" "$@" &
      ;;
    arm64)
      local fat=$disk@@$((1024 * 1024)) # the FAT partition starts at 1 MiB (pack.sh)
      mcopy -o -n -i "$fat" ::/vmlinuz "$disk.vmlinuz"
      mcopy -o -n -i "$fat" ::/initrd.img "$disk.initrd"
      mcopy -o -n -i "$fat" ::/cmdline.txt "$disk.cmdline"
      ip netns exec "$NS" qemu-system-aarch64 -machine virt -cpu cortex-a72 "${common[@]}" \
        -kernel "$disk.vmlinuz" -initrd "$disk.initrd" -append "$(tr -d '\r\n' < "$disk.cmdline")" \
        -drive "file=$disk,if=none,format=raw,id=disk" -device virtio-blk-pci,drive=disk "$@" &
      ;;
    *) fail "no QEMU machine for $arch" ;;
  esac
  QEMU_PID=$!
  BOOT_START=$(date +%s.%N)
}
# wait_for WHAT COMMAND…: polls COMMAND until it succeeds; prints the seconds since power-on.
wait_for() {
  local what=$1
  shift
  while ! "$@" >/dev/null 2>&1; do
    kill -0 "$QEMU_PID" 2>/dev/null || fail "$what: QEMU exited"
    (($(date +%s) - ${BOOT_START%.*} < BOOT_TIMEOUT)) || fail "$what: not within ${BOOT_TIMEOUT} s"
    sleep 0.5
  done
  awk -v a="$(date +%s.%N)" -v b="$BOOT_START" 'BEGIN { printf "%.1f", a - b }'
}
# shutdown_vm DISK: the power button (ACPI; logind powers off cleanly), then QEMU exits (-no-reboot). A guest that
# ignores it within 90 s has its power cut (QMP quit): what the data partition holds must survive that too.
qmp() {
  in_ns timeout 5 node -e 'const c = require("net").connect(process.argv[1], () =>
    c.end(JSON.stringify({ execute: "qmp_capabilities" }) + JSON.stringify({ execute: process.argv[2] })));
    c.resume();' "$1.qmp" "$2" >/dev/null 2>&1 || true
}
shutdown_vm() {
  qmp "$1" system_powerdown
  for _ in $(seq 180); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$QEMU_PID" 2>/dev/null; then
    echo "   (no clean power-off within 90 s: power cut through QMP)"
    qmp "$1" quit
    for _ in $(seq 20); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$QEMU_PID" 2>/dev/null && kill "$QEMU_PID"
  else
    echo "   (clean power-off through the power button)"
  fi
  wait "$QEMU_PID" 2>/dev/null || true
  QEMU_PID=""
}
strip_ansi() { sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g; s/\x1b[()][A-Z0-9]//g' "$1" | tr -d '\r'; }
# part_range DISK N: partition N's first sector and size in sectors. Both layouts (GPT, MBR) number the same:
# 1 boot, 2 root A, 3 root B, 4 data.
part_range() {
  sfdisk -J "$1" | node -e 'const t = JSON.parse(require("fs").readFileSync(0)).partitiontable;
    const p = t.partitions[Number(process.argv[1]) - 1]; console.log(p.start, p.size)' "$2"
}
root_a_hash() {
  local start size
  read -r start size < <(part_range "$1" 2)
  dd if="$1" bs=512 skip="$start" count="$size" status=none | sha256sum | cut -d' ' -f1
}
# data_fills_disk DISK: the data partition ends within the last MiB of the disk (a GPT keeps its backup there).
data_fills_disk() {
  local start size sectors
  read -r start size < <(part_range "$1" 4)
  sectors=$(($(stat -c %s "$1") / 512))
  ((start + size >= sectors - 2048))
}
# HTTPS_TIMEOUT: setup and sign-in hash a password with argon2, seconds of CPU under emulation while the console's
# core loads.
https() { in_ns curl -sS --max-time "$HTTPS_TIMEOUT" --resolve "burrow.lan:443:$LAN_IP" "$@"; }

