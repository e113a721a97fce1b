// Closing the listeners (a stop, or the in-process restart after a restore) ends even while a client keeps a
// kept-alive connection busy, as a page polling the API does: otherwise the old process answers for ever.
import test from 'ava';
import { Agent, request } from 'node:https';
import { startInProcessApi } from './in-process-api.js';

/** GET `url` over `agent`, the body read to the end; the status, or the error's code. */
function get(url: string, agent: Agent, ca: string): Promise<number | string> {
  return new Promise((resolve) => {
    request(url, { agent, ca }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      .end();
  });
}

test('the listeners close while a client polls back to back on one kept-alive connection', async (t) => {
  const api = await startInProcessApi();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  let polling = true;
  let answers = 0;
  const poller = (async () => {
    while (polling) {
      if ((await get(`${api.url}/api/health`, agent, api.caPem)) === 200) {
        answers += 1;
      }
    }
  })();
  while (answers < 3) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  const closed = api.listening.close().then(() => 'closed' as const);
  const timeout = new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 10_000));
  t.is(await Promise.race([closed, timeout]), 'closed');
  polling = false;
  await poller;
  await api.close();
});
