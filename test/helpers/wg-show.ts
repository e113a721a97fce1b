// Reads runtime state through the stock tool, `wg show IF <field>`, exactly as an operator would: one
// line per peer, the peer's public key, a tab, then the field's values.
import { runInNamespace } from './netns-exec.js';

export interface PeerTransfer {
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** Seconds since the epoch of each peer's latest handshake; 0 means never. */
export async function latestHandshakes(ns: string, ifname: string): Promise<Map<string, number>> {
  return mapFields(await showField(ns, ifname, 'latest-handshakes'), ([seconds]) => toNumber(seconds, 'handshake'));
}

export async function transfers(ns: string, ifname: string): Promise<Map<string, PeerTransfer>> {
  return mapFields(await showField(ns, ifname, 'transfer'), ([rx, tx]) => ({
    rxBytes: toNumber(rx, 'rx bytes'),
    txBytes: toNumber(tx, 'tx bytes'),
  }));
}

/** Each peer's endpoint as `wg` prints it (`192.0.2.2:51820`, `[fd00:b0::2]:51820`), or undefined for "(none)". */
export async function endpoints(ns: string, ifname: string): Promise<Map<string, string | undefined>> {
  return mapFields(await showField(ns, ifname, 'endpoints'), ([endpoint]) =>
    endpoint === '(none)' ? undefined : endpoint,
  );
}

export async function peers(ns: string, ifname: string): Promise<string[]> {
  return (await showField(ns, ifname, 'peers')).split('\n').filter((line) => line !== '');
}

async function showField(ns: string, ifname: string, field: string): Promise<string> {
  return (await runInNamespace(ns, ['wg', 'show', ifname, field])).stdout;
}

function mapFields<T>(output: string, parse: (values: string[]) => T): Map<string, T> {
  const result = new Map<string, T>();
  for (const line of output.split('\n')) {
    if (line === '') {
      continue;
    }
    const [publicKey, ...values] = line.split('\t');
    if (publicKey === undefined || values.length === 0) {
      throw new Error(`Unexpected line from wg show: ${JSON.stringify(line)}`);
    }
    result.set(publicKey, parse(values));
  }
  return result;
}

function toNumber(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`wg show printed ${JSON.stringify(text)} for ${what}, expected a non-negative integer`);
  }
  return value;
}
