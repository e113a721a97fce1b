// One WireGuard interface in a namespace, served by a userspace implementation that speaks the UAPI
// (`wireguard-go -f IF`, in either of two Debian versions, or our `burrow-wg -f IF`) and configured only
// with the stock `wg` and `ip` tools, as a person would. The interface name is unique across the whole run because the UAPI
// socket directory is shared by every namespace.
import { randomBytes } from 'node:crypto';
import { access, constants, readdir, rm, stat } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findMissingPrograms, run, runInNamespace } from './netns-exec.js';
import { type ManagedProcess } from './netns-process.js';
import { type NetnsLab } from './netns.js';
import { generateKeyPair } from './wg-keys.js';
import {
  installedWireguardGoVersion,
  NEWER_WIREGUARD_GO_PATH,
  NEWER_WIREGUARD_GO_VERSION,
  newerWireguardGo,
} from './wireguard-go-versions.js';
import { BURROW_WG_NODE_FLAGS } from '@burrow/firmware/cli/burrow-wg-node-flags';

/**
 * `wireguard-go` is Debian's installed package (bookworm: 0.0.20220316); `wireguard-go-20231211` the newer Debian
 * package, fetched into a cache on first use (wireguard-go-versions.ts).
 */
export type WgImplementationKind = 'burrow' | 'wireguard-go' | 'wireguard-go-20231211';
export const WG_IMPLEMENTATION_KINDS: readonly WgImplementationKind[] = [
  'burrow',
  'wireguard-go',
  'wireguard-go-20231211',
];

export interface WgImplementation {
  readonly kind: WgImplementationKind;
}

// test/dist/helpers/wg-peer.js → the repository's engine CLI.
export const BURROW_WG_PATH = fileURLToPath(new URL('../../../firmware/bin/burrow-wg', import.meta.url));
export const UAPI_SOCKET_DIR = '/var/run/wireguard';
export const TUNNEL_MTU = 1420;
const UAPI_READY_TIMEOUT_MS = 20_000;
const UAPI_PROBE_TIMEOUT_MS = 1_000;
const SOCKET_NAME_PATTERN = /^bwt[0-9a-f]{8}\.sock$/;
const STALE_SOCKET_AGE_MS = 60_000;

/** Tunnel addresses with prefix lengths, e.g. `198.51.100.1/24` and `fd99::1/64`. */
export interface TunnelAddresses {
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface WgPeerOptions {
  readonly implementation: WgImplementation;
  readonly ns: string;
  readonly tunnel: TunnelAddresses;
  readonly listenPort: number;
}

export interface WgPeer {
  readonly implementation: WgImplementation;
  readonly ns: string;
  readonly ifname: string;
  readonly publicKey: string;
  readonly listenPort: number;
  /** Tunnel addresses without prefix length. */
  readonly ipv4: string;
  readonly ipv6: string;
  readonly socketPath: string;
  readonly process: ManagedProcess;
  /** Runs `wg <args>` inside this peer's namespace and returns stdout. */
  readonly wg: (args: readonly string[]) => Promise<string>;
}

/** Why `kind` cannot run here, or undefined when it can. */
export async function implementationUnavailableReason(kind: WgImplementationKind): Promise<string | undefined> {
  if (kind === 'burrow') {
    try {
      await access(BURROW_WG_PATH, constants.R_OK);
      return undefined;
    } catch {
      return 'firmware/bin/burrow-wg does not exist yet';
    }
  }
  if (kind === 'wireguard-go-20231211') {
    const fetched = await newerWireguardGo();
    return fetched.ok ? undefined : fetched.problem;
  }
  const missing = await findMissingPrograms(['wireguard-go']);
  return missing.length === 0 ? undefined : 'wireguard-go is not installed (apt-get install wireguard-go)';
}

/** A kind with its version for reports, e.g. "wireguard-go 0.0.20220316-1+b4". */
export async function implementationLabel(kind: WgImplementationKind): Promise<string> {
  switch (kind) {
    case 'burrow':
      return 'burrow';
    case 'wireguard-go':
      return `wireguard-go ${(await installedWireguardGoVersion()) ?? '(not installed)'}`;
    case 'wireguard-go-20231211': {
      const fetched = await newerWireguardGo();
      return `wireguard-go ${fetched.ok ? fetched.debianVersion : NEWER_WIREGUARD_GO_VERSION}`;
    }
  }
}

/** A name of at most 15 characters that no other test in this run uses. */
export function uniqueInterfaceName(): string {
  // Keep in step with SOCKET_NAME_PATTERN, which the stale-socket sweep matches.
  return `bwt${randomBytes(4).toString('hex')}`;
}

/** Starts the implementation, waits for its UAPI socket, sets key and port, adds addresses, brings the link up. */
export async function startWgPeer(lab: NetnsLab, options: WgPeerOptions): Promise<WgPeer> {
  const ifname = uniqueInterfaceName();
  const socketPath = join(UAPI_SOCKET_DIR, `${ifname}.sock`);
  // Runs after the process is stopped: a daemon that died hard leaves its socket behind.
  lab.defer(() => rm(socketPath, { force: true }));
  sweepOnce ??= sweepStaleSockets();
  await sweepOnce;
  const daemon = lab.start(options.ns, implementationArgv(options.implementation, ifname));
  await waitForUapi(socketPath, daemon);

  const keys = await generateKeyPair(lab.tempDir);
  const wg = async (args: readonly string[]): Promise<string> =>
    (await runInNamespace(options.ns, ['wg', ...args])).stdout;
  await wg(['set', ifname, 'listen-port', String(options.listenPort), 'private-key', keys.privateKeyFile]);

  const ip = (args: readonly string[]): Promise<unknown> => run(['ip', '-n', options.ns, ...args]);
  // No link-local address and no duplicate address detection: nothing stays "tentative".
  await ip(['link', 'set', 'dev', ifname, 'addrgenmode', 'none']);
  await ip(['address', 'add', options.tunnel.ipv4, 'dev', ifname]);
  await ip(['address', 'add', options.tunnel.ipv6, 'dev', ifname, 'nodad']);
  await ip(['link', 'set', 'dev', ifname, 'mtu', String(TUNNEL_MTU), 'up']);

  return {
    implementation: options.implementation,
    ns: options.ns,
    ifname,
    publicKey: keys.publicKey,
    listenPort: options.listenPort,
    ipv4: withoutPrefix(options.tunnel.ipv4),
    ipv6: withoutPrefix(options.tunnel.ipv6),
    socketPath,
    process: daemon,
    wg,
  };
}

/** Tells `self` about `other`: its key, its tunnel addresses as allowed IPs, and optionally where to reach it. */
export async function addPeer(
  self: WgPeer,
  other: { publicKey: string; ipv4: string; ipv6: string },
  endpoint?: string,
): Promise<void> {
  const args = ['set', self.ifname, 'peer', other.publicKey, 'allowed-ips', `${other.ipv4}/32,${other.ipv6}/128`];
  if (endpoint !== undefined) {
    args.push('endpoint', endpoint);
  }
  await self.wg(args);
}

export function implementationArgv(implementation: WgImplementation, ifname: string): string[] {
  switch (implementation.kind) {
    case 'wireguard-go':
      return ['wireguard-go', '-f', ifname];
    case 'wireguard-go-20231211':
      return [NEWER_WIREGUARD_GO_PATH, '-f', ifname];
    case 'burrow':
      return [process.execPath, ...BURROW_WG_NODE_FLAGS, ...extraNodeFlags(), BURROW_WG_PATH, '-f', ifname];
  }
}

/**
 * Extra Node flags for burrow-wg, e.g. `--cpu-prof --cpu-prof-dir=DIR` from `make bench` with --profile (Node
 * refuses --cpu-prof in NODE_OPTIONS). Whitespace-separated; empty by default.
 */
export const BURROW_NODE_FLAGS_VARIABLE = 'BURROW_WG_NODE_FLAGS';

function extraNodeFlags(): string[] {
  return (process.env[BURROW_NODE_FLAGS_VARIABLE] ?? '').split(/\s+/).filter((flag) => flag.length > 0);
}

/** An endpoint string as `wg` takes and prints it. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function withoutPrefix(address: string): string {
  return address.split('/')[0] ?? address;
}

let sweepOnce: Promise<void> | undefined;

/**
 * Removes sockets of our naming scheme that a crashed run left behind: nobody answers on them and
 * they are older than a minute (so a daemon of a parallel run that is just starting is left alone).
 */
async function sweepStaleSockets(): Promise<void> {
  let names: string[];
  try {
    names = await readdir(UAPI_SOCKET_DIR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return;
    }
    throw error;
  }
  for (const name of names.filter((entry) => SOCKET_NAME_PATTERN.test(entry))) {
    const path = join(UAPI_SOCKET_DIR, name);
    const { mtimeMs } = await stat(path);
    if (Date.now() - mtimeMs > STALE_SOCKET_AGE_MS && !(await probeUapi(path)).ok) {
      await rm(path, { force: true });
    }
  }
}

/** Polls the UAPI socket with `get=1` until it answers `errno=0`, failing early if the daemon exits. */
async function waitForUapi(socketPath: string, daemon: ManagedProcess): Promise<void> {
  const deadline = Date.now() + UAPI_READY_TIMEOUT_MS;
  for (;;) {
    const exitCode = daemon.exitCode();
    if (exitCode !== undefined) {
      throw new Error(
        `${daemon.description} exited (code ${exitCode}) before its UAPI socket answered${daemon.describeOutput()}`,
      );
    }
    const answer = await probeUapi(socketPath);
    if (answer.ok) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${socketPath} did not answer get=1 within ${UAPI_READY_TIMEOUT_MS} ms (${answer.problem})${daemon.describeOutput()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type ProbeResult = { ok: true } | { ok: false; problem: string };

/** One `get=1` exchange; the answer holds the private key, so only its errno line is looked at. */
export function probeUapi(socketPath: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    let answer = '';
    const finish = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, problem: 'timed out' }), UAPI_PROBE_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('get=1\n\n'));
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.endsWith('\n\n')) {
        const errno = /^errno=(-?\d+)$/m.exec(answer)?.[1];
        finish(errno === '0' ? { ok: true } : { ok: false, problem: `answered errno=${errno ?? 'missing'}` });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, problem: error.code ?? error.message }));
    socket.on('close', () => finish({ ok: false, problem: 'closed without a complete answer' }));
  });
}
