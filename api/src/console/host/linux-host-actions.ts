// HostActions on the router itself: commands run by argv through firmware's exec helper (never a shell), mounts
// limited to the directories this object made, power actions only where systemd runs the machine.
import { type Executor, IP_PATH, SpawnExecutor } from '@burrow/firmware/os/exec';
import { spawn } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { mkdtemp, rmdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BackupFileChoice } from '../backend.js';
import { findBackupFiles } from './backup-files.js';
import { type HostActions, HostActionError, type UsbPartition } from './host-actions.js';
import { isHostLike } from './host-name.js';
import { LSBLK_COLUMNS, usbPartitionsFromLsblk } from './usb-partitions.js';

/** Three pings two seconds apart at most, plus the time to resolve the name. */
const PING_TIMEOUT_MS = 15_000;
/** A slow stick (or a filesystem check on mount) takes a while. */
const MOUNT_TIMEOUT_MS = 30_000;
const RESOLVE_TIMEOUT_MS = 3_000;
const DEVICE_PATH = /^\/dev\/[a-zA-Z0-9_./-]+$/;
/** Present only when systemd is PID 1 (sd_booted(3)). */
const SYSTEMD_RUNTIME_DIR = '/run/systemd/system';
const NOT_SYSTEMD = 'This machine is not run by systemd (a development machine?): the console does not reboot it';

export class LinuxHostActions implements HostActions {
  private readonly mounted = new Set<string>();

  constructor(private readonly exec: Executor = new SpawnExecutor()) {}

  async ping(host: string): Promise<string[]> {
    requireHost(host);
    // ping exits 1 when nothing answered: its summary is the result, not a failure.
    const { stdout, stderr } = await this.exec.run(['ping', '-c', '3', '-W', '2', '--', host], {
      timeoutMs: PING_TIMEOUT_MS,
      okExitCodes: [1],
    });
    return lines(stdout + stderr);
  }

  async resolve(name: string, server: string | null): Promise<string[]> {
    requireHost(name);
    const resolver = new Resolver({ timeout: RESOLVE_TIMEOUT_MS, tries: 2 });
    if (server !== null) {
      if (isIP(server) === 0) {
        throw new HostActionError(`Not an address: ${server}`);
      }
      resolver.setServers([server]);
    }
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    return [`Asked ${resolver.getServers().join(', ') || 'no server'}`, ...records('A', v4), ...records('AAAA', v6)];
  }

  async defaultGateway(): Promise<string | null> {
    for (const family of ['-4', '-6']) {
      const { stdout } = await this.exec.run([IP_PATH, '-j', family, 'route', 'show', 'default']);
      const routes = JSON.parse(stdout || '[]') as { gateway?: unknown }[];
      const gateway = routes.find((route) => typeof route.gateway === 'string')?.gateway;
      if (typeof gateway === 'string') {
        return gateway;
      }
    }
    return null;
  }

  async listUsbPartitions(): Promise<UsbPartition[]> {
    const { stdout } = await this.exec.run(['lsblk', '--json', '-o', LSBLK_COLUMNS]);
    return usbPartitionsFromLsblk(stdout);
  }

  async mountReadOnly(devicePath: string): Promise<string> {
    if (!DEVICE_PATH.test(devicePath) || devicePath.includes('..')) {
      throw new HostActionError(`Not a device: ${devicePath}`);
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'burrow-usb-'));
    try {
      await this.exec.run(['mount', '-o', 'ro,nosuid,nodev,noexec', '--', devicePath, dir], {
        timeoutMs: MOUNT_TIMEOUT_MS,
      });
    } catch (error) {
      await rmdir(dir);
      throw new HostActionError(`Could not mount ${devicePath}: ${(error as Error).message}`, { cause: error });
    }
    this.mounted.add(dir);
    return dir;
  }

  listBackupFiles(mountDir: string): Promise<BackupFileChoice[]> {
    return findBackupFiles(mountDir);
  }

  async unmount(mountDir: string): Promise<void> {
    if (!this.mounted.has(mountDir)) {
      throw new HostActionError(`The console did not mount ${mountDir}`);
    }
    await this.exec.run(['umount', '--', mountDir], { timeoutMs: MOUNT_TIMEOUT_MS });
    this.mounted.delete(mountDir);
    await rmdir(mountDir);
  }

  async reboot(): Promise<void> {
    requireSystemd();
    await this.exec.run(['systemctl', 'reboot']);
  }

  async powerOff(): Promise<void> {
    requireSystemd();
    await this.exec.run(['systemctl', 'poweroff']);
  }

  openShell(): Promise<void> {
    const configured = process.env.SHELL;
    const shell = configured !== undefined && path.isAbsolute(configured) ? configured : '/bin/bash';
    return new Promise((resolve, reject) => {
      const child = spawn(shell, ['-l'], { stdio: 'inherit', shell: false });
      child.once('error', (error) => reject(new HostActionError(`Could not start ${shell}: ${error.message}`)));
      child.once('exit', () => resolve());
    });
  }
}

function requireHost(value: string): void {
  if (!isHostLike(value)) {
    throw new HostActionError(`Not a host name or address: ${JSON.stringify(value)}`);
  }
}

function requireSystemd(): void {
  if (!existsSync(SYSTEMD_RUNTIME_DIR)) {
    throw new HostActionError(NOT_SYSTEMD);
  }
}

function records(type: string, result: PromiseSettledResult<string[]>): string[] {
  if (result.status === 'rejected') {
    const code = (result.reason as NodeJS.ErrnoException).code ?? String(result.reason);
    return [`${type.padEnd(5)} none (${code})`];
  }
  return result.value.map((address) => `${type.padEnd(5)} ${address}`);
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}
