// Which WireGuard implementation the netns suites test, and whether this machine can run them.
//
// BURROW_INTEROP_IMPL=wireguard-go puts wireguard-go where our engine would be, which proves the
// harness itself against the reference on both sides.
import test from 'ava';
import { access } from 'node:fs/promises';
import { findMissingPrograms } from '../helpers/netns-exec.js';
import {
  implementationUnavailableReason,
  type WgImplementation,
  type WgImplementationKind,
} from '../helpers/wg-peer.js';

export const UNDER_TEST: WgImplementation = { kind: parseKind(process.env.BURROW_INTEROP_IMPL ?? 'burrow') };
export const REFERENCE: WgImplementation = { kind: 'wireguard-go' };

const skipReason = await findSkipReason();
if (skipReason) {
  console.warn(`netns suite skipped: ${skipReason}`);
}

/** `test.serial`, or `test.serial.skip` when this machine cannot run namespace tests. */
export const netnsTest = skipReason ? test.serial.skip : test.serial;

function parseKind(text: string): WgImplementationKind {
  if (text !== 'burrow' && text !== 'wireguard-go') {
    throw new Error(`BURROW_INTEROP_IMPL must be "burrow" or "wireguard-go", got "${text}"`);
  }
  return text;
}

async function findSkipReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) {
    return 'network namespaces need root';
  }
  const missing = await findMissingPrograms(['ip', 'wg', 'ping', 'wireguard-go']);
  if (missing.length > 0) {
    return `missing programs: ${missing.join(', ')} (scripts/install-deps.sh system test)`;
  }
  try {
    await access('/dev/net/tun');
  } catch {
    return '/dev/net/tun is missing';
  }
  return implementationUnavailableReason(UNDER_TEST.kind);
}
