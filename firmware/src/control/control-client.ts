// A client for burrowd's control socket, used by the API and by tests: one request, one JSON line back.
import net from 'node:net';
import { type ControlMethod } from './control-server.js';

export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string; details: string[] };

export function controlRequest(
  socketPath: string,
  method: ControlMethod,
  params?: unknown,
  timeoutMs = 60_000,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffered = '';
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`burrowd did not answer ${method} within ${timeoutMs} ms`));
    });
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline !== -1) {
        socket.end();
        const response = JSON.parse(buffered.slice(0, newline)) as {
          ok: boolean;
          result?: unknown;
          error?: string;
          details?: string[];
        };
        resolve(
          response.ok
            ? { ok: true, result: response.result }
            : { ok: false, error: response.error ?? 'unknown error', details: response.details ?? [] },
        );
      }
    });
    socket.on('close', () => reject(new Error('burrowd closed the connection without answering')));
    socket.write(`${JSON.stringify({ id: 1, method, params })}\n`);
  });
}
