import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTemperatureCelsius } from './thermal-zones.js';

async function thermalRoot(zones: Record<string, { type: string; temp?: string }>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'burrow-thermal-'));
  for (const [name, zone] of Object.entries(zones)) {
    await mkdir(join(root, name));
    await writeFile(join(root, name, 'type'), `${zone.type}\n`);
    if (zone.temp !== undefined) {
      await writeFile(join(root, name, 'temp'), `${zone.temp}\n`);
    }
  }
  return root;
}

test('prefers the CPU zone over others', async (t) => {
  const root = await thermalRoot({
    thermal_zone0: { type: 'acpitz', temp: '27800' },
    thermal_zone1: { type: 'x86_pkg_temp', temp: '48250' },
  });
  t.teardown(() => rm(root, { recursive: true, force: true }));
  t.is(await readTemperatureCelsius(root), 48.3);
});

test('falls back to the lowest-numbered zone with a reading', async (t) => {
  const root = await thermalRoot({
    thermal_zone10: { type: 'battery', temp: '30000' },
    thermal_zone2: { type: 'acpitz', temp: '41000' },
    thermal_zone1: { type: 'iwlwifi_1' },
    cooling_device0: { type: 'Processor', temp: '99000' },
  });
  t.teardown(() => rm(root, { recursive: true, force: true }));
  t.is(await readTemperatureCelsius(root), 41);
});

test('reads a Raspberry Pi style cpu-thermal zone', async (t) => {
  const root = await thermalRoot({ thermal_zone0: { type: 'cpu-thermal', temp: '52582' } });
  t.teardown(() => rm(root, { recursive: true, force: true }));
  t.is(await readTemperatureCelsius(root), 52.6);
});

test('null when there are no thermal zones at all', async (t) => {
  const root = await thermalRoot({});
  t.teardown(() => rm(root, { recursive: true, force: true }));
  t.is(await readTemperatureCelsius(root), null);
  t.is(await readTemperatureCelsius(join(root, 'missing')), null);
});
