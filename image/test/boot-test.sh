#!/usr/bin/env bash
# `make image-test`: boots out/burrow-<version>-x86_64.img in QEMU (TCG: this machine's KVM cannot run a stock
# guest) with two NICs, WAN (QEMU user networking) and LAN (a tap in a network namespace holding the LAN client),
# and checks what a household sees. Then boots a bare Debian built the same way and compares the boot times.
# Every check prints PASS or FAIL; the script fails on the first FAIL. Run as root.
set -euo pipefail
PROFILE=${1:-x86_64}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/image/test
VERSION=${BURROW_VERSION:-$(node -p 'require(process.argv[1]).version' "$ROOT/api/package.json")}
IMAGE=$ROOT/out/burrow-$VERSION-$PROFILE.img
WORK=$ROOT/build/image-test
NS=burrow-img$$ # per run: two builders (or worktrees) may test at once
LAN_IP=192.168.8.1
PROBE_IP=192.168.8.250 # the test's own fixed LAN address, outside the DHCP range, to time the page from power-on
BEYOND_PORT=18099      # a listener in the namespace: the guest's WAN reaches it as 10.0.2.2 (QEMU's host side)
BOOT_TIMEOUT=${BURROW_BOOT_TIMEOUT:-600} # TCG: 2.5 min to the page on this shared 2-core machine, 5+ when it is busy
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
[ "$(id -u)" -eq 0 ] || { echo "image-test needs root (network namespace, tap)" >&2; exit 1; }
[ -f "$IMAGE" ] || { echo "$IMAGE is missing: run make image" >&2; exit 1; }

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
trap cleanup EXIT
rm -rf "$WORK" && mkdir -p "$WORK"

# The LAN: the namespace's tap is the LAN client's NIC; QEMU runs inside the namespace so its user networking
# (the WAN) forwards from the namespace's loopback. dhclient there must not touch this machine's resolv.conf.
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

# boot DISK SERIAL_LOG uefi|bios [QEMU args…]: starts QEMU in the background (its pid in QEMU_PID), with UEFI
# firmware (OVMF: the image's systemd-boot) or QEMU's own BIOS (SeaBIOS: the image's syslinux).
boot() {
  local disk=$1 serial=$2 firmware=$3
  shift 3
  local -a firmware_args=()
  if [ "$firmware" = uefi ]; then
    cp "/usr/share/OVMF/OVMF_VARS_4M.fd" "$disk.vars"
    firmware_args=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" -drive "if=pflash,format=raw,file=$disk.vars")
  fi
  ip netns exec "$NS" qemu-system-x86_64 -accel tcg -cpu max -machine q35 -smp 2 -m 1024 -display none -monitor none \
    "${firmware_args[@]}" \
    -drive "file=$disk,if=virtio,format=raw" \
    -netdev "user,id=wan,hostfwd=tcp:127.0.0.1:18080-:80" -device virtio-net-pci,netdev=wan \
    -serial "file:$serial" -qmp "unix:$disk.qmp,server=on,wait=off" -no-reboot "$@" &
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
root_a_hash() {
  local start size
  read -r start size < <(sfdisk -J "$1" | node -e 'const t = JSON.parse(require("fs").readFileSync(0)).partitiontable;
    const p = t.partitions.find((p) => p.name === "burrow-root-a"); console.log(p.start, p.size)')
  dd if="$1" bs=512 skip="$start" count="$size" status=none | sha256sum | cut -d' ' -f1
}
# 60 s: setup and sign-in hash a password with argon2, seconds of CPU under emulation while the console's core loads.
https() { in_ns curl -sS --max-time 60 --resolve "burrow.lan:443:$LAN_IP" "$@"; }

echo "== Burrow $VERSION ($PROFILE): first boot"
DISK=$WORK/burrow.img
cp --sparse=always "$IMAGE" "$DISK"
truncate -s +1G "$DISK" # a bigger medium than the image: the data partition grows
ROOT_HASH=$(root_a_hash "$DISK")
boot "$DISK" "$WORK/serial-1.log" uefi -netdev tap,id=lan,ifname=lan0,script=no,downscript=no -device virtio-net-pci,netdev=lan
T_BURROW=$(wait_for "the HTTPS page" in_ns curl -skf --max-time 3 -o /dev/null "https://$LAN_IP/")
pass "the HTTPS page answers on the LAN ${T_BURROW} s after power-on"

in_ns curl -sSf --max-time 5 "http://$LAN_IP/api/certificates/ca.pem" -o "$WORK/ca.pem"
FP=$(openssl x509 -in "$WORK/ca.pem" -noout -fingerprint -sha256 | cut -d= -f2)
https -f --cacert "$WORK/ca.pem" -o /dev/null "https://burrow.lan/" || fail "the page's certificate does not chain to the CA the API serves"
pass "the page's certificate chains to the served CA ($FP)"

ORIGIN=(-H "Origin: https://burrow.lan" -H "Content-Type: application/json")
STATUS=$(https "${ORIGIN[@]}" --cacert "$WORK/ca.pem" -d '{"username":"householdadmin","password":"correct horse battery staple 42"}' \
  "https://burrow.lan/api/setup" -o "$WORK/setup.json" -w '%{http_code}') || STATUS="curl failed ($?)"
[ "$STATUS" = 201 ] || [ "$STATUS" = 200 ] || fail "POST /api/setup did not create the admin: $STATUS $(cat "$WORK/setup.json" 2>/dev/null)"
grep -q householdadmin "$WORK/setup.json" || fail "the setup answer names no admin: $(cat "$WORK/setup.json")"
pass "the setup wizard's API created the admin"

# The console's core loads the API's modules at a lower priority than the API: under emulation it answers a while
# after the page does, so it gets the same budget from power-on.
FP1=${FP:0:47} FP2=${FP:48}
serial_has_fp() { strip_ansi "$WORK/serial-1.log" | grep -q "CA fingerprint: $FP1" && strip_ansi "$WORK/serial-1.log" | grep -q "^ *$FP2"; }
T_CONSOLE=$(wait_for "the serial console's status screen with the CA fingerprint" serial_has_fp)
strip_ansi "$WORK/serial-1.log" | grep -q "Kill switch: ARMED" || fail "the serial console does not show the kill switch armed"
pass "the serial console shows the recovery console's status screen with the same CA fingerprint (${T_CONSOLE} s after power-on), kill switch ARMED"

# The LAN client: a lease from the router, then its address in place of the fixed one.
in_ns timeout 60 dhclient -1 -sf /bin/true -lf "$WORK/dhclient.leases" -pf "$WORK/dhclient.pid" lan0 || fail "no DHCP lease on the LAN"
LEASED=$(sed -n 's/^ *fixed-address \(.*\);/\1/p' "$WORK/dhclient.leases" | tail -n1)
[[ $LEASED == 192.168.8.1[0-9][0-9] ]] || fail "the lease ($LEASED) is not in the LAN's range"
in_ns ip addr del "$PROBE_IP/24" dev lan0
in_ns ip addr add "$LEASED/24" dev lan0
in_ns ip route add default via "$LAN_IP"
pass "the LAN client leased $LEASED"
in_ns curl -skf --max-time 5 -o /dev/null "https://$LAN_IP/" || fail "the leased client does not reach the router's page"
if in_ns curl -s --max-time 5 "http://10.0.2.2:$BEYOND_PORT/from-lan" -o /dev/null; then fail "the LAN reached beyond the router"; fi
if in_ns ping -c 2 -W 2 10.0.2.2 >/dev/null 2>&1; then fail "the LAN pinged beyond the router"; fi
[ ! -s "$WORK/beyond.log" ] || fail "the listener beyond the router was reached: $(cat "$WORK/beyond.log")"
pass "before any tunnel, the LAN client reaches the router and nothing beyond it (kill switch closed)"

echo "== reboot, this time from a BIOS (SeaBIOS → syslinux) instead of UEFI"
shutdown_vm "$DISK"
boot "$DISK" "$WORK/serial-2.log" bios -netdev tap,id=lan,ifname=lan0,script=no,downscript=no -device virtio-net-pci,netdev=lan
T_SECOND=$(wait_for "the HTTPS page after a reboot" in_ns curl -skf --max-time 3 -o /dev/null "https://$LAN_IP/")
https -f "${ORIGIN[@]}" --cacert "$WORK/ca.pem" -d '{"username":"householdadmin","password":"correct horse battery staple 42"}' \
  "https://burrow.lan/api/auth/login" -o "$WORK/login.json" || fail "the admin cannot sign in after a reboot (or the page no longer chains to the same CA)"
grep -q '"username":"householdadmin"' "$WORK/login.json" || fail "the sign-in answer names no admin: $(cat "$WORK/login.json")"
pass "after a reboot through the BIOS loader (page at ${T_SECOND} s) the admin signs in, and the page still chains to the same CA"
shutdown_vm "$DISK"
[ "$(root_a_hash "$DISK")" = "$ROOT_HASH" ] || fail "the root filesystem changed"
pass "the root filesystem (root A) is unchanged, byte for byte"
DATA_END=$(sfdisk -J "$DISK" | node -e 'const t = JSON.parse(require("fs").readFileSync(0)).partitiontable;
  const p = t.partitions.find((p) => p.name === "burrow-data"); console.log(p.start + p.size >= t.lastlba - 2048 ? "end" : "short")')
[ "$DATA_END" = end ] || fail "the data partition did not grow to the end of the disk"
pass "the data partition grew to fill the disk"

echo "== bare Debian trixie, the same way"
"$HERE/baseline-rootfs.sh" "$HERE/baseline-profile.sh" "$ROOT/build/baseline/rootfs"
"$ROOT/image/steps/pack.sh" "$HERE/baseline-profile.sh" "$ROOT/build/baseline/rootfs" "$ROOT/build/baseline/pack" "$WORK/baseline.img" >/dev/null
boot "$WORK/baseline.img" "$WORK/serial-baseline.log" uefi -netdev tap,id=lan,ifname=lan0,script=no,downscript=no -device virtio-net-pci,netdev=lan
T_BASE=$(wait_for "the bare Debian's HTTP service" in_ns curl -sf --max-time 3 -o /dev/null "http://127.0.0.1:18080/")
shutdown_vm "$WORK/baseline.img"
RATIO=$(awk -v a="$T_BURROW" -v b="$T_BASE" 'BEGIN { printf "%.2f", a / b }')
echo
echo "power-on → page: Burrow HTTPS ${T_BURROW} s (first boot), ${T_SECOND} s (second boot); bare Debian HTTP ${T_BASE} s; ratio ${RATIO}× (first boot)"
echo "ALL PASSED"
