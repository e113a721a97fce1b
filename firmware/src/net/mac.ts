/** An Ethernet (MAC) address as the kernel, nft and dnsmasq print it and Burrow stores it: lowercase, colons. */
const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

export function isCanonicalMac(value: string): boolean {
  return CANONICAL_MAC.test(value);
}
