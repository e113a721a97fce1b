// WireGuard keys for the tests, from the stock `wg` tool by way of the lab's key helpers. The private key only ever
// goes to a 0600 file that `wg set IF private-key FILE` reads; it is never logged or put in an argv.
import { generateKeyPair as generateLabKeyPair, writePrivateKeyFile } from '@burrow/scripts/lab/wg-keys';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './netns-exec.js';

const KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

export interface KeyPair {
  readonly publicKey: string;
  /** Path of a 0600 file holding the base64 private key. */
  readonly privateKeyFile: string;
}

/** Generates a key pair and writes the private half into `dir` (which should be 0700). */
export async function generateKeyPair(dir: string): Promise<KeyPair> {
  const keys = await generateLabKeyPair();
  const privateKeyFile = await writePrivateKeyFile(dir, `private-${randomBytes(4).toString('hex')}`, keys);
  return { publicKey: keys.publicKey, privateKeyFile };
}

/** A valid public key that belongs to nobody in the test: for "wrong key" cases. */
export async function generateUnrelatedPublicKey(): Promise<string> {
  return (await generateLabKeyPair()).publicKey;
}

/** A preshared key from `wg genpsk` in a 0600 file in `dir`, for `wg set IF peer PUB preshared-key FILE`. */
export async function generatePresharedKeyFile(dir: string): Promise<string> {
  const key = (await run(['wg', 'genpsk'])).stdout.trim();
  if (!KEY_PATTERN.test(key)) {
    throw new Error('`wg genpsk` did not print a base64 key');
  }
  const file = join(dir, `preshared-${randomBytes(4).toString('hex')}.key`);
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}
