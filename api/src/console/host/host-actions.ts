// What the console does as root without the database: diagnostics, USB sticks, power, the shell. The screen takes
// this interface, so its tests hand it a scripted twin and never mount, ping or reboot anything.
import { type BackupFileChoice } from '../backend.js';

/** A filesystem on a removable or USB disk, as lsblk reports it. */
export interface UsbPartition {
  /** The device node, such as /dev/sdb1. */
  path: string;
  name: string;
  /** Human-readable, as lsblk prints it ("7.5G"). */
  size: string;
  label: string | null;
  fsType: string;
  /** Where it is already mounted, if anywhere. */
  mountpoint: string | null;
}

export interface HostActions {
  /** `ping -c 3` to a host name or address; the output as lines, also when nothing answered. */
  ping(host: string): Promise<string[]>;
  /** A and AAAA records of `name`, asked of `server` (an address) or of the system's resolver when null. */
  resolve(name: string, server: string | null): Promise<string[]>;
  /** The first default route's gateway, or null when there is none. */
  defaultGateway(): Promise<string | null>;
  listUsbPartitions(): Promise<UsbPartition[]>;
  /** Mounts read-only (nosuid, nodev, noexec) on a fresh directory and returns it. */
  mountReadOnly(devicePath: string): Promise<string>;
  /** `*.burrowbackup` files at most two directories deep, never following a link. */
  listBackupFiles(mountDir: string): Promise<BackupFileChoice[]>;
  /** Unmounts what mountReadOnly mounted and removes its directory. */
  unmount(mountDir: string): Promise<void>;
  reboot(): Promise<void>;
  powerOff(): Promise<void>;
  /** Runs a login shell on this process's terminal and resolves when it exits. */
  openShell(): Promise<void>;
}

/** A host action that could not be done; its message is shown as it is. */
export class HostActionError extends Error {
  override readonly name = 'HostActionError';
}
