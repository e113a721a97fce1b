# The bare Debian image of the boot test: the x86_64 profile without Burrow's data partition.
# shellcheck source=../profiles/x86_64.sh
. "$(dirname "${BASH_SOURCE[0]}")/../profiles/x86_64.sh"
KERNEL_CMDLINE="root=PARTLABEL=burrow-root-a rootfstype=squashfs ro systemd.gpt_auto=0 console=tty1 console=ttyS0,115200n8 quiet loglevel=3"
