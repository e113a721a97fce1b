// The machine itself: clock, CPU, memory, disk, temperature. Linux only, read from the kernel directly
// (os module, statfs, sysfs) rather than through tools: nothing here spawns a process.
import { Injectable } from '@nestjs/common';
import { statfs } from 'node:fs/promises';
import { cpus, freemem, hostname, loadavg, totalmem, uptime } from 'node:os';
import { readTemperatureCelsius } from './thermal-zones.js';

/** Cumulative CPU time of all cores since boot, in milliseconds. */
export interface CpuTimes {
  idle: number;
  total: number;
}

export interface CpuInfo {
  model: string;
  cores: number;
  times: CpuTimes;
}

export interface MemoryUsage {
  totalBytes: number;
  availableBytes: number;
}

export interface DiskUsage {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
}

@Injectable()
export class HostRepository {
  hostname(): string {
    return hostname();
  }

  uptimeSeconds(): number {
    return uptime();
  }

  loadAverage(): [one: number, five: number, fifteen: number] {
    const [one = 0, five = 0, fifteen = 0] = loadavg();
    return [one, five, fifteen];
  }

  cpu(): CpuInfo {
    const cores = cpus();
    const times = { idle: 0, total: 0 };
    for (const { times: core } of cores) {
      times.idle += core.idle;
      times.total += core.user + core.nice + core.sys + core.idle + core.irq;
    }
    return { model: cores[0]?.model.trim() || 'unknown', cores: cores.length, times };
  }

  memory(): MemoryUsage {
    // On Linux libuv answers freemem() with MemAvailable, which counts reclaimable page cache.
    return { totalBytes: totalmem(), availableBytes: freemem() };
  }

  async disk(path: string): Promise<DiskUsage> {
    const stats = await statfs(path);
    return {
      totalBytes: stats.blocks * stats.bsize,
      freeBytes: stats.bfree * stats.bsize,
      availableBytes: stats.bavail * stats.bsize,
    };
  }

  temperatureCelsius(): Promise<number | null> {
    return readTemperatureCelsius();
  }
}
