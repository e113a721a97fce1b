// The building blocks of the desired state's schemas: checked strings (never quoting the input in a problem),
// addresses, endpoints and zod messages. Shared by version 1, version 2 and the household's parts (household-state.ts).
import { z } from 'zod';
import { decodeKeyBase64 } from '../crypto/keys.js';
import { canonicalPrefix, formatIp, formatIpPrefix, isHostOf, parseIp, parseIpPrefix } from '../net/ip.js';

// Stricter than the kernel (which allows anything but '/', ':' and whitespace): names are quoted into nftables
// rules and dnsmasq options, where a '"' or '*' would change the meaning.
const INTERFACE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const MAX_TEXT = 1024;

/** C0 controls, DEL, C1 controls and the Unicode line separators: none of them belong in a config file. */
export function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      return true;
    }
  }
  return false;
}

/** Whether `name` is an interface name this project accepts (also checked by the renderers, as defence in depth). */
export function isInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name) && name !== '.' && name !== '..';
}

/** A string schema whose checker returns a problem (never quoting the value) or its canonical form. */
export function text(check: (value: string) => { problem: string } | { value: string }) {
  return z
    .string()
    .max(MAX_TEXT)
    .transform((value, ctx) => {
      const result = hasControlCharacter(value) ? { problem: 'must not contain control characters' } : check(value);
      if ('problem' in result) {
        ctx.addIssue({ code: 'custom', message: result.problem });
        return z.NEVER;
      }
      return result.value;
    });
}

export const interfaceName = text((value) =>
  isInterfaceName(value)
    ? { value }
    : { problem: 'must be an interface name: 1-15 characters of A-Z a-z 0-9 _ . - (not "." or "..")' },
);

export const key = text((value) => {
  const decoded = decodeKeyBase64(value);
  return decoded.ok ? { value } : { problem: decoded.reason };
});

export const ipAddress = text((value) => {
  const bytes = parseIp(value);
  return bytes === null ? { problem: 'must be an IPv4 or IPv6 address' } : { value: formatIp(bytes) };
});

export const ipv4Address = text((value) => {
  const bytes = parseIp(value);
  return bytes?.length === 4 ? { value: formatIp(bytes) } : { problem: 'must be an IPv4 address like 192.168.8.100' };
});

/** An interface address with its prefix length ("10.2.0.2/32"); host bits are kept. */
export const interfaceAddress = text((value) => {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  return prefix === null
    ? { problem: 'must be an address with a prefix length, like 10.2.0.2/32 or fd00::2/128' }
    : { value: formatIpPrefix(prefix) };
});

/** A routed prefix; host bits are cleared, as wg(8) stores allowed IPs. */
export const routedPrefix = text((value) => {
  const prefix = parseIpPrefix(value);
  return prefix === null
    ? { problem: 'must be a prefix like 0.0.0.0/0, ::/0 or 10.0.0.0/8' }
    : { value: formatIpPrefix(canonicalPrefix(prefix)) };
});

export const lanAddress = text((value) => {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  if (prefix?.family !== 4 || prefix.cidr < 8 || prefix.cidr > 30) {
    return { problem: "must be the router's IPv4 address with a prefix length of 8-30, like 192.168.8.1/24" };
  }
  if (!isHostOf(prefix)) {
    return { problem: 'must be a host address, not the network or broadcast address of its subnet' };
  }
  return { value: formatIpPrefix(prefix) };
});

export const ulaAddress = text((value) => {
  const prefix = value.includes('/') ? parseIpPrefix(value) : null;
  if (prefix?.family !== 6 || prefix.cidr !== 64 || (prefix.bytes[0]! & 0xfe) !== 0xfc) {
    return { problem: "must be the router's unique local IPv6 address in a /64 (fc00::/7), like fd12:3456:789a::1/64" };
  }
  if (!isHostOf(prefix)) {
    return { problem: 'must be a host address, not the subnet-router anycast address ending in ::' };
  }
  return { value: formatIpPrefix(prefix) };
});

/** "host:port" (a name or an IPv4 address) or "[IPv6]:port"; names are resolved later, by the reconciler. */
export const endpoint = text((value) => {
  const parsed = splitEndpoint(value);
  return 'problem' in parsed ? parsed : { value: joinEndpoint(parsed.host, parsed.port) };
});

export const port = z.number().int().min(1).max(65535);

/** Splits "host:port" / "[v6]:port"; `literal` tells an address (usable as is) from a name to resolve. */
export function splitEndpoint(value: string): { host: string; port: number; literal: boolean } | { problem: string } {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value);
  const portNumber = Number(match?.[2]);
  if (!match || portNumber < 1 || portNumber > 65535) {
    const hint = value.split(':').length > 2 && !value.startsWith('[') ? ' (an IPv6 address needs brackets)' : '';
    return { problem: `must be host:port or [IPv6]:port with a port of 1-65535${hint}` };
  }
  const host = match[1]!;
  const bytes = parseIp(host);
  const bracketed = value.startsWith('[');
  if (bytes !== null && (bytes.length === 16) === bracketed) {
    return { host: formatIp(bytes), port: portNumber, literal: true };
  }
  if (bytes === null && !bracketed && isHostname(host)) {
    return { host: host.toLowerCase(), port: portNumber, literal: false };
  }
  return { problem: 'must name a host: a DNS name, an IPv4 address, or an IPv6 address in brackets' };
}

export function joinEndpoint(host: string, portNumber: number): string {
  return host.includes(':') ? `[${host}]:${portNumber}` : `${host}:${portNumber}`;
}

/** One DNS label: letters, digits and '-', not at either end (a host name dnsmasq hands out). */
export function isDnsLabel(value: string): boolean {
  return HOSTNAME_LABEL.test(value);
}

export function isHostname(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  // An all-numeric last label would be a malformed IPv4 address, not a name.
  return (
    name.length <= 253 &&
    name.split('.').every((label) => HOSTNAME_LABEL.test(label)) &&
    !/^\d+$/.test(name.split('.').pop()!)
  );
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) {
    return '(state)';
  }
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

/** Messages for zod's built-in checks, worded per field and never quoting the input. */
export function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return 'is required';
  }
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be a whole number' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'unrecognized_keys':
      return `unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map(quoteKeyName).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `must have at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have at most ${issue.maximum} entries`
        : issue.origin === 'string'
          ? `must be at most ${issue.maximum} characters`
          : `must be at most ${issue.maximum}`;
    default:
      return undefined;
  }
}

/** Key names come from the input: only identifier-like ones are quoted (a pasted key is not an identifier). */
function quoteKeyName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(name) ? `"${name}"` : '(a key that is not a field name)';
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
