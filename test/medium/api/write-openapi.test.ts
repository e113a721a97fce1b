// `node api/dist/bin/write-openapi.js <outfile>`: the committed contract, written without a database,
// a data directory or a listening socket, byte-for-byte the same on every run.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const WRITE_OPENAPI = fileURLToPath(import.meta.resolve('@burrow/api/bin/write-openapi'));
const execFileAsync = promisify(execFile);

async function writeOpenApi(cwd: string, outfile: string): Promise<string> {
  // A private TMPDIR shows whether anything else was written on the way.
  await execFileAsync(process.execPath, [WRITE_OPENAPI, outfile], {
    cwd,
    env: { PATH: process.env.PATH ?? '', TMPDIR: cwd },
  });
  return readFile(outfile, 'utf8');
}

test('writes the same deterministic document every time, and nothing else', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-openapi-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await writeOpenApi(dir, join(dir, 'one.json'));
  const second = await writeOpenApi(dir, join(dir, 'two.json'));

  t.is(first, second);
  t.deepEqual((await readdir(dir)).sort(), ['one.json', 'two.json']);
  t.true(first.endsWith('}\n'));
  const document = JSON.parse(first) as {
    openapi: string;
    paths: Record<string, unknown>;
    components: { schemas: Record<string, unknown> };
  };
  t.is(first, `${JSON.stringify(document, null, 2)}\n`);
  t.deepEqual(Object.keys(document), [...Object.keys(document)].sort());
  t.true(
    ['/api/health', '/api/system/status', '/api/auth/login', '/api/users', '/api/audit'].every(
      (path) => path in document.paths,
    ),
  );
  for (const schema of [
    'ErrorResponseDto',
    'HealthDto',
    'SystemStatusDto',
    'AuthSessionDto',
    'UserDto',
    'AuditPageDto',
  ]) {
    t.true(schema in document.components.schemas, schema);
  }
});

test('without an outfile it prints its usage and exits 2', async (t) => {
  const error = await t.throwsAsync(execFileAsync(process.execPath, [WRITE_OPENAPI]));
  t.like(error, { code: 2, stderr: 'usage: write-openapi <outfile>\n' });
});
