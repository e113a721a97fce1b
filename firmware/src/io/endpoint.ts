/**
 * A UDP endpoint: an IPv4 or IPv6 address and a port, written `1.2.3.4:51820` or `[2001:db8::1]:51820`
 * as in wg(8) and wg-quick files. Addresses are numeric: names are resolved before they get here.
 *
 * IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are stored as the IPv4 address they map, so one
 * peer never has two spellings; a dual-stack socket reports IPv4 senders that way too.
 */
import { formatIp, parseIp } from '../net/ip.js';

export type AddressFamily = 4 | 6;

export class Endpoint {
  #address: string | undefined;

  private constructor(
    readonly family: AddressFamily,
    /** Raw address bytes, network order: 4 for IPv4, 16 for IPv6. Do not modify. */
    readonly bytes: Uint8Array,
    readonly port: number,
  ) {}

  /** Parses `1.2.3.4:51820` or `[::1]:51820`. */
  static parse(text: string): Endpoint {
    // Brackets are for IPv6 only, as in URLs: `[1.2.3.4]:1` is refused.
    const match = /^\[([^\]]*:[^\]]*)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
    const expected = 'expected 1.2.3.4:51820 or [2001:db8::1]:51820';
    if (match === null) {
      const hint = text.split(':').length > 2 && !text.startsWith('[') ? ' (an IPv6 address needs brackets)' : '';
      throw new SyntaxError(`not an endpoint: "${text}"; ${expected}${hint}`);
    }
    try {
      return Endpoint.of(match[1] ?? '', Number(match[2]));
    } catch (error) {
      throw new SyntaxError(`not an endpoint: "${text}": ${(error as Error).message}; ${expected}`, { cause: error });
    }
  }

  /** An endpoint from a numeric address and a port. */
  static of(address: string, port: number): Endpoint {
    const bytes = parseAddress(address);
    return Endpoint.fromBytes(bytes, port);
  }

  /** An endpoint from 4 or 16 address bytes (copied). */
  static fromBytes(bytes: Uint8Array, port: number): Endpoint {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`port must be 1-65535, got ${port}`);
    }
    if (bytes.length === 4) {
      return new Endpoint(4, bytes.slice(), port);
    }
    if (bytes.length !== 16) {
      throw new RangeError(`an address has 4 or 16 bytes, got ${bytes.length}`);
    }
    if (isV4Mapped(bytes, 0)) {
      return new Endpoint(4, bytes.slice(12, 16), port);
    }
    return new Endpoint(6, bytes.slice(), port);
  }

  /** The address in its canonical text form (`192.0.2.1`, `2001:db8::1`). */
  get address(): string {
    this.#address ??= formatIp(this.bytes);
    return this.#address;
  }

  /** `1.2.3.4:51820` or `[2001:db8::1]:51820`; usable as a Map key. */
  toString(): string {
    return this.family === 4 ? `${this.address}:${this.port}` : `[${this.address}]:${this.port}`;
  }

  toJSON(): string {
    return this.toString();
  }

  equals(other: Endpoint): boolean {
    return this.matches(other.family, other.bytes, 0, other.port);
  }

  /** Whether this is `family`, `addresses[offset .. offset + 4|16)`, `port`: compares without allocating. */
  matches(family: number, addresses: Uint8Array, offset: number, port: number): boolean {
    if (family !== this.family || port !== this.port) {
      return false;
    }
    for (let i = 0; i < this.bytes.length; i++) {
      if (addresses[offset + i] !== this.bytes[i]) {
        return false;
      }
    }
    return true;
  }
}

function isV4Mapped(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 10; i++) {
    if (bytes[offset + i] !== 0) {
      return false;
    }
  }
  return bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
}

/** Numeric IPv4 or IPv6 text → 4 or 16 bytes. */
export function parseAddress(text: string): Uint8Array {
  const bytes = parseIp(text);
  if (bytes === null) {
    throw new SyntaxError(`not a numeric IPv4 or IPv6 address (names are resolved before this): "${text}"`);
  }
  return bytes;
}
