// Which of lsblk's devices the console offers as a USB stick: partitions (or whole disks without a partition
// table) on a removable or USB disk that carry a filesystem. Pure, so the parsing is tested without a stick.
import { type UsbPartition } from './host-actions.js';

/** The columns asked of `lsblk --json -o`; the parser below reads these. */
export const LSBLK_COLUMNS = 'NAME,PATH,SIZE,LABEL,FSTYPE,RM,TRAN,MOUNTPOINT';

interface LsblkDevice {
  name?: unknown;
  path?: unknown;
  size?: unknown;
  label?: unknown;
  fstype?: unknown;
  rm?: unknown;
  tran?: unknown;
  mountpoint?: unknown;
  children?: unknown;
}

/** Parses `lsblk --json -o LSBLK_COLUMNS`; a child inherits its disk's transport (lsblk reports TRAN on disks). */
export function usbPartitionsFromLsblk(json: string): UsbPartition[] {
  const parsed = JSON.parse(json) as { blockdevices?: unknown };
  const found: UsbPartition[] = [];
  const visit = (device: LsblkDevice, removableParent: boolean) => {
    // lsblk's JSON gives RM as a boolean in newer versions and as "0"/"1" in older ones.
    const removable = removableParent || device.rm === true || device.rm === '1' || device.tran === 'usb';
    const children = Array.isArray(device.children) ? (device.children as LsblkDevice[]) : [];
    const fsType = text(device.fstype);
    const path = text(device.path);
    if (removable && fsType !== null && path !== null) {
      found.push({
        path,
        name: text(device.name) ?? path,
        size: text(device.size) ?? '?',
        label: text(device.label),
        fsType,
        mountpoint: text(device.mountpoint),
      });
    }
    children.forEach((child) => visit(child, removable));
  };
  const devices = Array.isArray(parsed.blockdevices) ? (parsed.blockdevices as LsblkDevice[]) : [];
  devices.forEach((device) => visit(device, false));
  return found;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
