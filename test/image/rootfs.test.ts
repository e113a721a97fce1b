// `make test`'s image check: image/test/rootfs-check.sh builds the x86_64 root filesystem as `make image` does and
// checks its units, users, modes and node_modules. The full build and QEMU boot (`make image-test`) take about
// 15 min on a 2-core machine, too long for CI's budget, so they run on their own (README, docs/builders-guide.md).
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHECK = fileURLToPath(new URL('../../../image/test/rootfs-check.sh', import.meta.url));
const INSTALL_DEPS = fileURLToPath(new URL('../../../scripts/install-deps.sh', import.meta.url));
/** mmdebstrap, the initramfs and the checks: about 4 min here; generous for a busy machine. */
const TIMEOUT_MS = 25 * 60_000;

async function skipReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) {
    return 'the image root filesystem check needs root (mmdebstrap --mode=root): run make test as root';
  }
  const hasMmdebstrap = () =>
    promisify(execFile)('mmdebstrap', ['--version']).then(
      () => true,
      () => false,
    );
  if (!(await hasMmdebstrap())) {
    await promisify(execFile)(INSTALL_DEPS, ['system', 'image']).catch(() => undefined);
  }
  return (await hasMmdebstrap())
    ? undefined
    : 'mmdebstrap is missing and could not be installed (scripts/install-deps.sh system image)';
}

const reason = await skipReason();
if (reason !== undefined) {
  console.log(`test/image: skipped: ${reason}`);
}
const imageTest = reason === undefined ? test.serial : test.serial.skip;

imageTest('the x86_64 root filesystem builds and holds what the image needs', async (t) => {
  t.timeout(TIMEOUT_MS);
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(CHECK, [], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  const text = output.join('');
  t.log(
    text
      .split('\n')
      .filter((line) => /^(FAIL|built|root filesystem)/.test(line))
      .join('\n'),
  );
  t.is(code, 0, text);
  t.regex(text, /ALL PASSED/);
});
