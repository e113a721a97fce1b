#!/usr/bin/env bash
# `make image-test`: boots out/burrow-<version>-<profile>.img in QEMU (TCG: this machine's KVM cannot run a stock
# guest) with two NICs, WAN (QEMU user networking) and LAN (a tap in a network namespace holding the LAN client),
# and checks what a household sees.
#   x86_64: two boots (first boot, then a reboot), then a bare Debian built the same way to compare boot times.
#   rpi-arm64: the reduced check, one boot on QEMU's virt machine (emulated arm64 is slower): the page, its CA, the
#              setup, the serial console (ttyAMA0), the LAN's lease and kill switch, root A unchanged, data grown.
# Every check prints PASS or FAIL; the script fails on the first FAIL. Run as root. The shared functions: lib.sh.
# usage: image/test/boot-test.sh [PROFILE]
set -euo pipefail
PROFILE=${1:-x86_64}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/image/test
VERSION=${BURROW_VERSION:-$(node -p 'require(process.argv[1]).version' "$ROOT/api/package.json")}
IMAGE=$ROOT/out/burrow-$VERSION-$PROFILE.img
WORK=$ROOT/build/image-test/$PROFILE
NS=burrow-img$$ # per run: two profiles (or two worktrees) may test side by side
LAN_IP=192.168.8.1
PROBE_IP=192.168.8.250 # the test's own fixed LAN address, outside the DHCP range, to time the page from power-on
BEYOND_PORT=18099      # a listener in the namespace: the guest's WAN reaches it as 10.0.2.2 (QEMU's host side)
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
[ "$(id -u)" -eq 0 ] || { echo "image-test needs root (network namespace, tap)" >&2; exit 1; }
[ -f "$IMAGE" ] || { echo "$IMAGE is missing: run make image" >&2; exit 1; }
ARCH=$(. "$ROOT/image/profiles/$PROFILE.sh" && echo "$DEB_ARCH")
FULL=0
[ "$PROFILE" != x86_64 ] || FULL=1
# TCG on a shared 2-core machine: x86_64 reaches the page in 2.5 min, 5+ when the machine is busy; emulated arm64
# (a different instruction set, not just a different machine) is slower still.
if [ "$ARCH" = amd64 ]; then BOOT_TIMEOUT=600 HTTPS_TIMEOUT=60; else BOOT_TIMEOUT=1500 HTTPS_TIMEOUT=240; fi
BOOT_TIMEOUT=${BURROW_BOOT_TIMEOUT:-$BOOT_TIMEOUT}

# shellcheck source=lib.sh
. "$HERE/lib.sh"
trap cleanup EXIT
rm -rf "$WORK" && mkdir -p "$WORK"
lan_up

echo "== Burrow $VERSION ($PROFILE): first boot"
DISK=$WORK/burrow.img
cp --sparse=always "$IMAGE" "$DISK"
truncate -s +1G "$DISK" # a bigger medium than the image: the data partition grows
ROOT_HASH=$(root_a_hash "$DISK")
boot "$ARCH" "$DISK" "$WORK/serial-1.log" -netdev tap,id=lan,ifname=lan0,script=no,downscript=no -device virtio-net-pci,netdev=lan
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
# The header fills in burrowd's status at a later refresh when the first read is slow (a busy emulated machine).
serial_armed() { strip_ansi "$WORK/serial-1.log" | grep -q "Kill switch: ARMED"; }
wait_for "the serial console showing the kill switch armed" serial_armed >/dev/null
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

if [ "$FULL" = 0 ]; then
  shutdown_vm "$DISK"
  [ "$(root_a_hash "$DISK")" = "$ROOT_HASH" ] || fail "the root filesystem changed"
  pass "the root filesystem (root A) is unchanged, byte for byte"
  data_fills_disk "$DISK" || fail "the data partition did not grow to the end of the disk"
  pass "the data partition grew to fill the disk"
  echo
  echo "power-on → page ($PROFILE on QEMU $ARCH): Burrow HTTPS ${T_BURROW} s (first boot); serial console ${T_CONSOLE} s"
  echo "ALL PASSED"
  exit 0
fi

echo "== reboot, this time from a BIOS (SeaBIOS → syslinux) instead of UEFI"
shutdown_vm "$DISK"
boot amd64-bios "$DISK" "$WORK/serial-2.log" -netdev tap,id=lan,ifname=lan0,script=no,downscript=no -device virtio-net-pci,netdev=lan
T_SECOND=$(wait_for "the HTTPS page after a reboot" in_ns curl -skf --max-time 3 -o /dev/null "https://$LAN_IP/")
https -f "${ORIGIN[@]}" --cacert "$WORK/ca.pem" -d '{"username":"householdadmin","password":"correct horse battery staple 42"}' \
  "https://burrow.lan/api/auth/login" -o "$WORK/login.json" || fail "the admin cannot sign in after a reboot (or the page no longer chains to the same CA)"
grep -q '"username":"householdadmin"' "$WORK/login.json" || fail "the sign-in answer names no admin: $(cat "$WORK/login.json")"
pass "after a reboot through the BIOS loader (page at ${T_SECOND} s) the admin signs in, and the page still chains to the same CA"
shutdown_vm "$DISK"
[ "$(root_a_hash "$DISK")" = "$ROOT_HASH" ] || fail "the root filesystem changed"
pass "the root filesystem (root A) is unchanged, byte for byte"
data_fills_disk "$DISK" || fail "the data partition did not grow to the end of the disk"
pass "the data partition grew to fill the disk"

echo "== bare Debian trixie, the same way"
"$HERE/baseline-rootfs.sh" "$HERE/baseline-profile.sh" "$ROOT/build/baseline/rootfs"
"$ROOT/image/steps/pack.sh" "$HERE/baseline-profile.sh" "$ROOT/build/baseline/rootfs" "$ROOT/build/baseline/pack" "$WORK/baseline.img" >/dev/null
boot amd64 "$WORK/baseline.img" "$WORK/serial-baseline.log" -netdev tap,id=lan,ifname=lan0,script=no,downscript=no -device virtio-net-pci,netdev=lan
T_BASE=$(wait_for "the bare Debian's HTTP service" in_ns curl -sf --max-time 3 -o /dev/null "http://127.0.0.1:18080/")
shutdown_vm "$WORK/baseline.img"
RATIO=$(awk -v a="$T_BURROW" -v b="$T_BASE" 'BEGIN { printf "%.2f", a / b }')
echo
echo "power-on → page: Burrow HTTPS ${T_BURROW} s (first boot), ${T_SECOND} s (second boot); bare Debian HTTP ${T_BASE} s; ratio ${RATIO}× (first boot)"
echo "ALL PASSED"
