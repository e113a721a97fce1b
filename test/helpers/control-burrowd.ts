// burrowd's real control server with handlers a test chooses: the API speaks to it exactly as to burrowd.
// Methods the test leaves out are refused, as a burrowd that cannot do them would.
import { ControlServer, type ControlHandlers } from '@burrow/firmware/control/control-server';
import { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Starts a control server for the test (closed at its end); answers the socket's path. */
export async function controlBurrowd(t: ExecutionContext, handlers: Partial<ControlHandlers>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-sock-'));
  const socketPath = join(dir, 'burrowd.sock');
  const refuse = () => Promise.reject(new Error('not in this test'));
  const burrowd = await ControlServer.listen(
    { socketPath, allowedUids: [], log: { warn: () => undefined } },
    {
      ping: () => Promise.resolve('pong'),
      apply: refuse,
      status: refuse,
      selfTest: refuse,
      exitCheck: refuse,
      ...handlers,
    },
  );
  t.teardown(async () => {
    await burrowd.close();
    await rm(dir, { recursive: true, force: true });
  });
  return socketPath;
}
