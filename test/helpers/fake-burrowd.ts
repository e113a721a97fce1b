// A stand-in for burrowd's control socket: JSON lines in, one JSON line back, as control-server.ts answers.
// It counts the requests it gets by method, and reports whatever status the test sets.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeBurrowd {
  readonly socketPath: string;
  /** Requests received so far, per method. */
  readonly requests: Map<string, number>;
  /** The `status` result it answers with; change it to make burrowd's report change. */
  status: unknown;
  /** Every desired state it was asked to apply, oldest first. */
  readonly applied: unknown[];
  close(): Promise<void>;
}

export async function startFakeBurrowd(status: unknown): Promise<FakeBurrowd> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-fake-burrowd-'));
  const socketPath = join(dir, 'burrowd.sock');
  const sockets = new Set<Socket>();
  const fake: FakeBurrowd = {
    socketPath,
    requests: new Map(),
    status,
    applied: [],
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  const answer = (method: unknown): unknown => {
    switch (method) {
      case 'ping':
        return 'pong';
      case 'status':
        return fake.status;
      case 'apply':
        return { warnings: [] };
      default:
        return null;
    }
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const request = JSON.parse(buffered.slice(0, newline)) as { id?: unknown; method?: unknown; params?: unknown };
        buffered = buffered.slice(newline + 1);
        const method = String(request.method);
        fake.requests.set(method, (fake.requests.get(method) ?? 0) + 1);
        if (method === 'apply') {
          fake.applied.push(request.params);
        }
        socket.write(`${JSON.stringify({ id: request.id ?? null, ok: true, result: answer(request.method) })}\n`);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return fake;
}
