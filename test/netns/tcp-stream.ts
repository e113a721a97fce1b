// A TCP sender and receiver of deterministic pseudo-random bytes, run inside a namespace with
// `ip netns exec NS node tcp-stream.js ...`. Both ends print the SHA-256 of what they sent or got as
// one JSON line, so a test can prove that every byte crossed the tunnel intact and in order.
//
//   node tcp-stream.js receive PORT               prints {"event":"listening"} then {"event":"done",...}
//   node tcp-stream.js send HOST PORT BYTES SEED  prints {"event":"done",...}
import { createCipheriv, createHash } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const CHUNK_BYTES = 64 * 1024;

interface StreamReport {
  readonly event: 'done';
  readonly bytes: number;
  readonly sha256: string;
  readonly seconds: number;
}

/** AES-256-CTR keystream keyed by the seed: fast, deterministic, and incompressible. */
function* deterministicBytes(totalBytes: number, seed: string): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK_BYTES);
  for (let sent = 0; sent < totalBytes; sent += CHUNK_BYTES) {
    yield cipher.update(zeros.subarray(0, Math.min(CHUNK_BYTES, totalBytes - sent)));
  }
}

async function send(host: string, port: number, totalBytes: number, seed: string): Promise<StreamReport> {
  const started = performance.now();
  const hash = createHash('sha256');
  const socket = createConnection({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let bytes = 0;
  const chunks = Readable.from(
    (function* () {
      for (const chunk of deterministicBytes(totalBytes, seed)) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    })(),
  );
  await pipeline(chunks, socket);
  return { event: 'done', bytes, sha256: hash.digest('hex'), seconds: (performance.now() - started) / 1000 };
}

async function receive(port: number): Promise<StreamReport> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // '::' without ipv6Only accepts IPv4 too, so one receiver serves both tunnel families.
    server.listen({ port, host: '::', ipv6Only: false }, resolve);
  });
  console.log(JSON.stringify({ event: 'listening', port }));
  const socket = await new Promise<Socket>((resolve) => server.once('connection', resolve));
  server.close();
  const started = performance.now();
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { event: 'done', bytes, sha256: hash.digest('hex'), seconds: (performance.now() - started) / 1000 };
}

function positiveInteger(text: string | undefined, what: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${what} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return value;
}

async function main(argv: string[]): Promise<void> {
  const [mode, ...rest] = argv;
  if (mode === 'receive' && rest.length === 1) {
    console.log(JSON.stringify(await receive(positiveInteger(rest[0], 'PORT'))));
  } else if (mode === 'send' && rest.length === 4) {
    const [host, port, bytes, seed] = rest as [string, string, string, string];
    console.log(JSON.stringify(await send(host, positiveInteger(port, 'PORT'), positiveInteger(bytes, 'BYTES'), seed)));
  } else {
    throw new Error('usage: tcp-stream.js receive PORT | send HOST PORT BYTES SEED');
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
