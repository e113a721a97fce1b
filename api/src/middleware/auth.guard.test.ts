// The guard on a real app: a route that forgets to declare who may call it fails instead of running.
import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../app.module.js';
import { parseEnv } from '../env.js';
import { Access } from './access.decorator.js';

let calls = 0;

@Controller('api/probe')
class ProbeController {
  @Get('undeclared')
  undeclared(): { ran: true } {
    calls++;
    return { ran: true };
  }

  @Post('read-only-write')
  @Access({ permission: 'read' })
  readOnlyWrite(): { ran: true } {
    calls++;
    return { ran: true };
  }

  @Post('metrics-write')
  @Access({ permission: 'metrics' })
  metricsWrite(): { ran: true } {
    calls++;
    return { ran: true };
  }

  @Get('declared')
  @Access({ permission: 'public' })
  declared(): { ran: true } {
    return { ran: true };
  }
}

test('routes without a permission, or with a read or metrics permission on a write, fail; declared ones run', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'burrow-guard-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  @Module({
    imports: [AppModule.forRoot(parseEnv({ BURROW_DATA_DIR: dataDir }), { serveUi: false })],
    controllers: [ProbeController],
  })
  class ProbeModule {}
  const app = await NestFactory.create(ProbeModule, { logger: false, abortOnError: false });
  t.teardown(() => app.close());
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();

  t.is((await fetch(`${url}/api/probe/undeclared`)).status, 500);
  t.is((await fetch(`${url}/api/probe/read-only-write`, { method: 'POST' })).status, 500);
  t.is((await fetch(`${url}/api/probe/metrics-write`, { method: 'POST' })).status, 500);
  t.is(calls, 0);
  t.deepEqual(await (await fetch(`${url}/api/probe/declared`)).json(), { ran: true });
});
