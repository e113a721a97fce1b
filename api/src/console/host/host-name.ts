// What may be handed to ping or the resolver: a host name, an IPv4 or an IPv6 address, and nothing that an argv
// parser could take for an option (a leading "-") or that a terminal could take for a control sequence.

/** Longest DNS name (RFC 1035), which also bounds an address. */
const MAX_HOST_CHARS = 253;
const HOST_NAME = /^(?=.{1,253}$)[a-zA-Z0-9_](?:[a-zA-Z0-9_-]{0,62})(?:\.[a-zA-Z0-9_](?:[a-zA-Z0-9_-]{0,62}))*\.?$/;
const IPV6 = /^[0-9a-fA-F:.]+(?:%[a-zA-Z0-9_.-]+)?$/;

/** True for a host name, an IPv4 address or an IPv6 address (with an optional zone). */
export function isHostLike(value: string): boolean {
  if (value.length === 0 || value.length > MAX_HOST_CHARS) {
    return false;
  }
  if (value.includes(':')) {
    return IPV6.test(value);
  }
  return HOST_NAME.test(value);
}
