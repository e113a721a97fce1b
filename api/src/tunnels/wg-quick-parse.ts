// Reads the wg-quick(8) files VPN providers and the WireGuard apps write, into a profile the router can use.
//
// The reading follows wg-quick and wg(8): `#` starts a comment (`;` too, as some generators write), keys are
// matched without regard to case, spaces around keys and values do not count, a list may be comma-separated or
// repeated on several lines, CRLF and a UTF-8 byte-order mark are fine. It is stricter where a router must be:
// hook scripts are refused, every peer needs an endpoint, and DNS must go through the tunnel.
// Problems name the line and the field and never quote a value: a key pasted into the wrong place must not
// come back in an answer or a log.
import { splitEndpoint, joinEndpoint } from '@burrow/firmware/control/desired-state';
import { decodeKeyBase64 } from '@burrow/firmware/crypto/keys';
import { canonicalPrefix, contains, formatIp, formatIpPrefix, parseIp, parseIpPrefix } from '@burrow/firmware/net/ip';
import { routingWarnings } from './wg-quick-coverage.js';
import { type WgQuickPeer, type WgQuickProfile } from './wg-quick-profile.js';

export const CONFIG_MAX_BYTES = 64 * 1024;
const MAX_PEERS = 16;
const MAX_LIST = 1024;
const MTU_MIN = 1280;
const MTU_MAX = 1500;

export interface ConfigProblem {
  /** 1-based line of the file; null for what concerns the file as a whole. */
  line: number | null;
  /** The field as the file's format names it (`PrivateKey`), or the section (`[Peer]`); null for the file. */
  field: string | null;
  message: string;
}

export type ConfigParseResult =
  | { ok: true; profile: WgQuickProfile; notices: string[]; warnings: string[] }
  | { ok: false; problems: ConfigProblem[] };

const HOOKS = new Set(['preup', 'postup', 'predown', 'postdown']);
const IGNORED = new Map([
  ['table', 'Table'],
  ['fwmark', 'FwMark'],
  ['saveconfig', 'SaveConfig'],
  ['listenport', 'ListenPort'],
]);
const INTERFACE_KEYS = new Map([
  ['privatekey', 'PrivateKey'],
  ['address', 'Address'],
  ['dns', 'DNS'],
  ['mtu', 'MTU'],
]);
const PEER_KEYS = new Map([
  ['publickey', 'PublicKey'],
  ['presharedkey', 'PresharedKey'],
  ['allowedips', 'AllowedIPs'],
  ['endpoint', 'Endpoint'],
  ['persistentkeepalive', 'PersistentKeepalive'],
]);
const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

interface Line {
  number: number;
  key: string;
  value: string;
}

interface Section {
  kind: 'interface' | 'peer';
  header: number;
  lines: Line[];
}

/** Parses the text of a `.conf` file; on success also says what was ignored and what will not go through the tunnel. */
export function parseWgQuick(text: string): ConfigParseResult {
  if (Buffer.byteLength(text, 'utf8') > CONFIG_MAX_BYTES) {
    return fail(
      null,
      null,
      `The file is larger than ${CONFIG_MAX_BYTES / 1024} KiB; a WireGuard config is a few lines`,
    );
  }
  const problems: ConfigProblem[] = [];
  const notices: string[] = [];
  const sections = splitSections(text.replace(/^\uFEFF/, ''), problems);
  const interfaces = sections.filter((section) => section.kind === 'interface');
  const peerSections = sections.filter((section) => section.kind === 'peer');
  if (interfaces.length === 0 && problems.length === 0) {
    return fail(null, null, 'This is not a WireGuard config: it has no [Interface] section');
  }
  interfaces.slice(1).forEach((section) => {
    problems.push({ line: section.header, field: '[Interface]', message: 'A file may have only one [Interface]' });
  });
  if (interfaces.length > 0 && peerSections.length === 0) {
    problems.push({
      line: null,
      field: '[Peer]',
      message: 'The file has no [Peer] section: the VPN server is missing',
    });
  }
  if (peerSections.length > MAX_PEERS) {
    problems.push({ line: null, field: '[Peer]', message: `At most ${MAX_PEERS} [Peer] sections are supported` });
  }
  const iface = interfaces[0] === undefined ? undefined : readInterface(interfaces[0], problems, notices);
  const peers = peerSections.map((section) => readPeer(section, problems));
  if (problems.length > 0 || iface === undefined) {
    return { ok: false, problems };
  }
  const profile: WgQuickProfile = { ...iface.profile, peers: peers.filter((peer) => peer !== undefined) };
  checkDnsRouted(profile, iface.dnsLines, problems);
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, profile, notices, warnings: routingWarnings(profile) };
}

function splitSections(text: string, problems: ConfigProblem[]): Section[] {
  const sections: Section[] = [];
  text.split(/\r?\n|\r/).forEach((raw, index) => {
    const number = index + 1;
    const line = stripComment(raw).trim();
    if (line === '') {
      return;
    }
    const header = /^\[\s*([A-Za-z]+)\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!.toLowerCase();
      if (name === 'interface' || name === 'peer') {
        sections.push({ kind: name, header: number, lines: [] });
      } else {
        problems.push({ line: number, field: null, message: 'Unknown section: only [Interface] and [Peer] exist' });
      }
      return;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) {
      problems.push({ line: number, field: null, message: 'Expected "Key = value"' });
      return;
    }
    const current = sections.at(-1);
    if (current === undefined) {
      problems.push({ line: number, field: null, message: 'This line comes before any [Interface] or [Peer] section' });
      return;
    }
    current.lines.push({ number, key: line.slice(0, equals).trim(), value: line.slice(equals + 1).trim() });
  });
  return sections;
}

function stripComment(line: string): string {
  const cut = line.search(/[#;]/);
  return cut === -1 ? line : line.slice(0, cut);
}

interface InterfaceReading {
  profile: Omit<WgQuickProfile, 'peers'>;
  dnsLines: Map<string, number>;
}

function readInterface(section: Section, problems: ConfigProblem[], notices: string[]): InterfaceReading | undefined {
  let privateKey: string | undefined;
  let mtu: number | undefined;
  const addresses: string[] = [];
  const dns: string[] = [];
  const searchDomains: string[] = [];
  const dnsLines = new Map<string, number>();
  const seen = new Set<string>();
  for (const line of section.lines) {
    const key = line.key.toLowerCase();
    const field = INTERFACE_KEYS.get(key);
    const problem = (message: string) => problems.push({ line: line.number, field: field ?? null, message });
    if (HOOKS.has(key)) {
      refuseHook(line, key, problems);
      continue;
    }
    const ignored = IGNORED.get(key);
    if (ignored !== undefined) {
      notices.push(`${ignored} (line ${line.number}) is ignored: the router manages it itself`);
      continue;
    }
    if (field === undefined) {
      unknownField(line, '[Interface]', problems);
      continue;
    }
    if ((field === 'PrivateKey' || field === 'MTU') && seen.has(field)) {
      problem(`${field} is given more than once`);
      continue;
    }
    seen.add(field);
    switch (field) {
      case 'PrivateKey': {
        const decoded = decodeKeyBase64(line.value);
        if (decoded.ok) {
          privateKey = line.value;
        } else {
          problem(`Not a valid key: ${decoded.reason}`);
        }
        break;
      }
      case 'Address':
        for (const item of listItems(line, problems, field)) {
          const prefix = parseIpPrefix(item);
          if (prefix === null) {
            problem('Each address must be an IPv4 or IPv6 address, with a prefix length or without (10.2.0.2/32)');
          } else {
            addresses.push(formatIpPrefix(prefix));
          }
        }
        break;
      case 'DNS':
        for (const item of listItems(line, problems, field)) {
          const address = parseIp(item);
          if (address !== null) {
            dns.push(formatIp(address));
            dnsLines.set(formatIp(address), line.number);
          } else if (isSearchDomain(item)) {
            searchDomains.push(item.toLowerCase().replace(/\.$/, ''));
          } else {
            problem('Each entry must be a resolver address (10.2.0.1) or a search domain (example.com)');
          }
        }
        break;
      case 'MTU':
        mtu = readInteger(line.value, MTU_MIN, MTU_MAX);
        if (mtu === undefined) {
          problem(`Must be a whole number from ${MTU_MIN} to ${MTU_MAX}`);
        }
        break;
    }
  }
  const missing = (name: string, why: string) =>
    problems.push({ line: section.header, field: name, message: `[Interface] has no ${name}: ${why}` });
  if (privateKey === undefined && !seen.has('PrivateKey')) {
    missing('PrivateKey', 'the router needs the key your provider generated for this device');
  }
  if (addresses.length === 0 && !seen.has('Address')) {
    missing('Address', 'the router needs the tunnel address your provider assigned');
  }
  if (dns.length === 0 && !seen.has('DNS')) {
    missing('DNS', "the household's DNS goes only through the tunnel, to the resolvers your provider names here");
  }
  if (addresses.length > 16 || dns.length > 8) {
    problems.push({ line: section.header, field: null, message: 'At most 16 addresses and 8 DNS servers' });
  }
  if (privateKey === undefined || addresses.length === 0 || dns.length === 0) {
    return undefined;
  }
  return { profile: { privateKey, addresses, dns, searchDomains, ...(mtu === undefined ? {} : { mtu }) }, dnsLines };
}

function readPeer(section: Section, problems: ConfigProblem[]): WgQuickPeer | undefined {
  let publicKey: string | undefined;
  let presharedKey: string | undefined;
  let endpoint: string | undefined;
  let persistentKeepalive: number | undefined;
  const allowedIps: string[] = [];
  const seen = new Set<string>();
  const before = problems.length;
  for (const line of section.lines) {
    const key = line.key.toLowerCase();
    const field = PEER_KEYS.get(key);
    const problem = (message: string) => problems.push({ line: line.number, field: field ?? null, message });
    if (HOOKS.has(key)) {
      refuseHook(line, key, problems);
      continue;
    }
    if (field === undefined) {
      unknownField(line, '[Peer]', problems);
      continue;
    }
    if (field !== 'AllowedIPs' && seen.has(field)) {
      problem(`${field} is given more than once in this [Peer]`);
      continue;
    }
    seen.add(field);
    switch (field) {
      case 'PublicKey':
      case 'PresharedKey': {
        const decoded = decodeKeyBase64(line.value);
        if (!decoded.ok) {
          problem(`Not a valid key: ${decoded.reason}`);
        } else if (field === 'PublicKey') {
          publicKey = line.value;
        } else {
          presharedKey = line.value;
        }
        break;
      }
      case 'AllowedIPs':
        for (const item of listItems(line, problems, field)) {
          const prefix = parseIpPrefix(item);
          if (prefix === null) {
            problem('Each entry must be an address range like 0.0.0.0/0, ::/0 or 10.0.0.0/8');
          } else {
            allowedIps.push(formatIpPrefix(canonicalPrefix(prefix)));
          }
        }
        break;
      case 'Endpoint': {
        const parsed = splitEndpoint(line.value);
        if ('problem' in parsed) {
          problem(`The server's address ${parsed.problem}`);
        } else {
          endpoint = joinEndpoint(parsed.host, parsed.port);
        }
        break;
      }
      case 'PersistentKeepalive':
        persistentKeepalive = line.value.toLowerCase() === 'off' ? 0 : readInteger(line.value, 0, 65535);
        if (persistentKeepalive === undefined) {
          problem('Must be a number of seconds from 0 to 65535, or off');
        }
        break;
    }
  }
  const missing = (name: string, why: string) =>
    problems.push({ line: section.header, field: name, message: `This [Peer] has no ${name}: ${why}` });
  if (!seen.has('PublicKey')) {
    missing('PublicKey', "the router needs the server's public key");
  }
  if (!seen.has('Endpoint')) {
    missing('Endpoint', 'the router needs the address and port of the VPN server');
  }
  if (!seen.has('AllowedIPs')) {
    missing('AllowedIPs', 'say what goes through the tunnel, usually 0.0.0.0/0, ::/0');
  }
  if (problems.length > before || publicKey === undefined || endpoint === undefined) {
    return undefined;
  }
  return {
    publicKey,
    ...(presharedKey === undefined ? {} : { presharedKey }),
    endpoint,
    allowedIps,
    ...(persistentKeepalive === undefined || persistentKeepalive === 0 ? {} : { persistentKeepalive }),
  };
}

/** The household's DNS is forwarded only through the tunnel, so each resolver must be inside some AllowedIPs. */
function checkDnsRouted(profile: WgQuickProfile, dnsLines: Map<string, number>, problems: ConfigProblem[]): void {
  const routed = profile.peers.flatMap((peer) => peer.allowedIps.map((text) => parseIpPrefix(text)!));
  for (const server of profile.dns) {
    if (!routed.some((prefix) => contains(prefix, parseIp(server)!))) {
      problems.push({
        line: dnsLines.get(server) ?? null,
        field: 'DNS',
        message: `The resolver ${server} is outside every AllowedIPs, so queries to it could not go through the tunnel`,
      });
    }
  }
}

function listItems(line: Line, problems: ConfigProblem[], field: string): string[] {
  const items = line.value
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) {
    problems.push({ line: line.number, field, message: 'The value is empty' });
  }
  return items.slice(0, MAX_LIST);
}

function unknownField(line: Line, section: string, problems: ConfigProblem[]): void {
  // The key comes from the file: only a name-like one is repeated back (a pasted key is not a name).
  const message = /^[A-Za-z][A-Za-z0-9]{0,23}$/.test(line.key)
    ? `${section} has no field "${line.key}"`
    : `${section} has no such field: the text before "=" is not a field name`;
  problems.push({ line: line.number, field: null, message });
}

function refuseHook(line: Line, key: string, problems: ConfigProblem[]): void {
  problems.push({
    line: line.number,
    field: { preup: 'PreUp', postup: 'PostUp', predown: 'PreDown', postdown: 'PostDown' }[key] ?? null,
    message: 'The router never runs scripts from a config file; remove this line (the router sets up routing itself)',
  });
}

function readInteger(value: string, min: number, max: number): number | undefined {
  if (!/^\d{1,6}$/.test(value)) {
    return undefined;
  }
  const number = Number(value);
  return number >= min && number <= max ? number : undefined;
}

function isSearchDomain(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  const labels = name.split('.');
  // An all-numeric last label is a mistyped address, not a domain (wg-quick reads it as an address too).
  return name.length <= 253 && labels.every((label) => HOSTNAME_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1)!);
}

function fail(line: number | null, field: string | null, message: string): ConfigParseResult {
  return { ok: false, problems: [{ line, field, message }] };
}
