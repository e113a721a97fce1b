// A LAN device trying every way out to the Internet at once, for the leak tests. Run inside a LAN device's
// namespace (`ip netns exec NS node leak-probe.js --duration MS`); for the given time it keeps trying, each kind
// in its own loop:
//   tcp4, tcp6        connect to the web server (203.0.113.10, 2001:db8:113::10) port 80
//   tcp4-dns          connect to the Internet DNS (203.0.113.53) port 53: DNS over TCP, hard-coded server
//   udp4, udp6        a datagram to the web server's addresses (port 33434, as traceroute uses)
//   dns-router        a query for a name never asked before to the router (100.64.8.1), so its dnsmasq must
//                     forward it upstream every time (a cached answer would hide a leak)
//   dns4-direct, dns6-direct
//                     the same straight to the Internet DNS (203.0.113.53, 2001:db8:113::53): a device with a
//                     hard-coded resolver
//   icmp4, icmp6      ping(8) to the web server's addresses
// and prints one JSON object: per kind, how many attempts were made, how many succeeded, and how the others
// ended (error codes). The test reads the capture on the WAN, not these results: they show the probes ran.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const WEB = { 4: '203.0.113.10', 6: '2001:db8:113::10' } as const;
const INTERNET_DNS = { 4: '203.0.113.53', 6: '2001:db8:113::53' } as const;
const ROUTER = '100.64.8.1';
const ZONE = 'internet.test';
const UDP_PORT = 33434;
const PING = '/usr/bin/ping';
const PING_INTERVAL_MS = 200;
/** Each attempt gives up after this long; a blocked packet is usually refused at once. */
const ATTEMPT_TIMEOUT_MS = 1_000;
/** Between attempts of one kind: about ten a second each, enough to catch any gap without flooding the lab. */
const PAUSE_MS = 100;

interface Tally {
  attempts: number;
  successes: number;
  /** How the failed attempts ended: error code → count. */
  failures: Record<string, number>;
}

type ProbeReport = Record<string, Tally>;

function tally(): Tally {
  return { attempts: 0, successes: 0, failures: {} };
}

function codeOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}

/** Repeats `attempt` until `deadline`; a resolved attempt is a success, a rejected one a failure by code. */
async function loop(deadline: number, result: Tally, attempt: () => Promise<void>): Promise<void> {
  while (Date.now() < deadline) {
    result.attempts += 1;
    try {
      await attempt();
      result.successes += 1;
    } catch (error) {
      const code = codeOf(error);
      result.failures[code] = (result.failures[code] ?? 0) + 1;
    }
    await sleep(PAUSE_MS);
  }
}

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: ATTEMPT_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.once('error', reject);
  });
}

/** Sends one datagram; success means the kernel sent it (nothing answers on this port). */
function udpSend(family: 4 | 6, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.send(Buffer.from('burrow leak probe'), UDP_PORT, host, (error) => {
      socket.close();
      if (error) {
        reject(error);
      } else {
        resolve();
      }
    });
  });
}

async function query(server: string): Promise<void> {
  const resolver = new Resolver({ timeout: ATTEMPT_TIMEOUT_MS, tries: 1 });
  resolver.setServers([server]);
  // A fresh name every time: nothing can answer it from a cache, so every query must go upstream.
  await resolver.resolve4(`leak-${randomBytes(6).toString('hex')}.${ZONE}`);
}

/**
 * ping(8) for the whole window: attempts are echo requests sent, successes replies received. By count, not by
 * deadline: with -w, ping gives up at the first ICMP error, and a blocked ping gets one at once.
 */
function ping(host: string, durationMs: number): Promise<Tally> {
  const count = Math.max(1, Math.floor(durationMs / PING_INTERVAL_MS));
  return new Promise((resolve, reject) => {
    const child = spawn(PING, ['-n', '-i', `${PING_INTERVAL_MS / 1000}`, '-W', '1', '-c', `${count}`, host], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', () => {
      const match = /(\d+) packets transmitted, (\d+) received(?:, \+(\d+) errors)?/.exec(output);
      const result = tally();
      if (match) {
        result.attempts = Number(match[1]);
        result.successes = Number(match[2]);
        if (match[3] !== undefined) {
          result.failures['icmp-error'] = Number(match[3]);
        }
      } else {
        // ping could not send at all ("Network is unreachable"): one failed attempt, its message as the code.
        result.attempts = 1;
        result.failures[output.trim().split('\n').at(-1) ?? 'no output'] = 1;
      }
      resolve(result);
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10000' } } });
  const durationMs = Number(values.duration);
  if (!Number.isInteger(durationMs) || durationMs < 1_000) {
    throw new Error('--duration needs a whole number of milliseconds, at least 1000');
  }
  const deadline = Date.now() + durationMs;
  const report: ProbeReport = {};
  const kinds: Record<string, () => Promise<void>> = {
    tcp4: () => tcpConnect(WEB[4], 80),
    tcp6: () => tcpConnect(WEB[6], 80),
    'tcp4-dns': () => tcpConnect(INTERNET_DNS[4], 53),
    udp4: () => udpSend(4, WEB[4]),
    udp6: () => udpSend(6, WEB[6]),
    'dns-router': () => query(ROUTER),
    'dns4-direct': () => query(INTERNET_DNS[4]),
    'dns6-direct': () => query(INTERNET_DNS[6]),
  };
  const loops = Object.entries(kinds).map(([kind, attempt]) => loop(deadline, (report[kind] = tally()), attempt));
  const pings = [ping(WEB[4], durationMs), ping(WEB[6], durationMs)];
  await Promise.all(loops);
  const [icmp4, icmp6] = await Promise.all(pings);
  report['icmp4'] = icmp4!;
  report['icmp6'] = icmp6!;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`leak-probe: ${(error as Error).message}\n`);
  process.exit(2);
});
