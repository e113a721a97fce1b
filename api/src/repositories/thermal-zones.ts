// CPU temperature from the kernel's thermal zones (/sys/class/thermal/thermal_zoneN/{type,temp}).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from './errno.js';

const ZONE = /^thermal_zone(\d+)$/;
// Zone types boards give the CPU or SoC sensor: cpu-thermal (Raspberry Pi), x86_pkg_temp, soc_thermal, …
const CPU_ZONE_TYPE = /cpu|soc|pkg|core/i;

interface ZoneReading {
  type: string;
  celsius: number;
}

/**
 * The CPU zone's temperature, else the first zone that gives a reading; null when there is none
 * (virtual machines and containers usually have no thermal zones).
 */
export async function readTemperatureCelsius(root = '/sys/class/thermal'): Promise<number | null> {
  const readings = await readZones(root);
  const chosen = readings.find((zone) => CPU_ZONE_TYPE.test(zone.type)) ?? readings[0];
  return chosen === undefined ? null : chosen.celsius;
}

async function readZones(root: string): Promise<ZoneReading[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return [];
    }
    throw error;
  }
  const zones = names
    .map((name) => ({ name, index: Number(ZONE.exec(name)?.[1] ?? NaN) }))
    .filter((zone) => Number.isInteger(zone.index))
    .sort((a, b) => a.index - b.index);
  const readings = await Promise.all(zones.map((zone) => readZone(join(root, zone.name))));
  return readings.filter((reading) => reading !== null);
}

async function readZone(dir: string): Promise<ZoneReading | null> {
  try {
    const [type, temp] = await Promise.all([readFile(join(dir, 'type'), 'utf8'), readFile(join(dir, 'temp'), 'utf8')]);
    const millidegrees = Number.parseInt(temp.trim(), 10);
    return Number.isFinite(millidegrees) ? { type: type.trim(), celsius: Math.round(millidegrees / 100) / 10 } : null;
  } catch (error) {
    // A sensor that is absent or not ready (ENOENT, ENODATA, EIO, EAGAIN) has no reading; that is an answer, not a fault.
    if (isErrno(error, 'ENOENT', 'ENODATA', 'EIO', 'EAGAIN', 'EINVAL')) {
      return null;
    }
    throw error;
  }
}
