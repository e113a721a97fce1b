// Which WireGuard implementation the netns suites test, and whether this machine can run them.
//
// BURROW_INTEROP_IMPL=wireguard-go puts wireguard-go where our engine would be, which proves the
// harness itself against the reference on both sides.
//
// The references are both Debian wireguard-go packages: the installed one (bookworm: 0.0.20220316) and
// the newer 0.0.20231211 with UDP GSO/GRO and TUN offloads, fetched into a cache on first use; a machine
// that cannot fetch it skips that reference's tests with the reason.
import test from 'ava';
import { access } from 'node:fs/promises';
import { findMissingPrograms } from '../helpers/netns-exec.js';
import {
  implementationUnavailableReason,
  type WgImplementation,
  WG_IMPLEMENTATION_KINDS,
  type WgImplementationKind,
} from '../helpers/wg-peer.js';

export const UNDER_TEST: WgImplementation = { kind: parseKind(process.env.BURROW_INTEROP_IMPL ?? 'burrow') };
export const REFERENCES: readonly WgImplementation[] = [{ kind: 'wireguard-go' }, { kind: 'wireguard-go-20231211' }];

const skipReason = await findSkipReason();
if (skipReason) {
  console.warn(`netns suite skipped: ${skipReason}`);
}

/** `test.serial`, or `test.serial.skip` when this machine cannot run namespace tests. */
export const netnsTest = skipReason ? test.serial.skip : test.serial;

/**
 * `netnsTest` for the tests against `reference`, or a skip when it cannot run here (say, the newer
 * wireguard-go could not be fetched offline); the reason is printed once.
 */
export async function netnsTestAgainst(reference: WgImplementation): Promise<typeof netnsTest> {
  if (skipReason) {
    return netnsTest;
  }
  const unavailable = await implementationUnavailableReason(reference.kind);
  if (unavailable !== undefined) {
    console.warn(`netns tests against ${reference.kind} skipped: ${unavailable}`);
    return test.serial.skip;
  }
  return test.serial;
}

function parseKind(text: string): WgImplementationKind {
  const kind = WG_IMPLEMENTATION_KINDS.find((candidate) => candidate === text);
  if (kind === undefined) {
    throw new Error(`BURROW_INTEROP_IMPL must be one of ${WG_IMPLEMENTATION_KINDS.join(', ')}, got "${text}"`);
  }
  return kind;
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
