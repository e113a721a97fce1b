// WireGuard key pairs from the stock `wg` tool, fresh for every lab run. Private keys travel on stdin and into
// 0600 files that `wg set IF private-key FILE` reads; never in an argv, never in a log.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@burrow/firmware/os/exec';
import { TOOLS } from './tools.js';

const KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

export interface KeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

export async function generateKeyPair(): Promise<KeyPair> {
  const privateKey = (await run([TOOLS.wg, 'genkey'])).stdout.trim();
  if (!KEY_PATTERN.test(privateKey)) {
    throw new Error('`wg genkey` did not print a base64 key');
  }
  const publicKey = (await run([TOOLS.wg, 'pubkey'], { input: `${privateKey}\n` })).stdout.trim();
  if (!KEY_PATTERN.test(publicKey)) {
    throw new Error('`wg pubkey` did not print a base64 key');
  }
  return { publicKey, privateKey };
}

/** Writes the private half to `<dir>/<name>.key` (0600; `dir` should be 0700) and returns the path. */
export async function writePrivateKeyFile(dir: string, name: string, keys: KeyPair): Promise<string> {
  const file = join(dir, `${name}.key`);
  await writeFile(file, `${keys.privateKey}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}
