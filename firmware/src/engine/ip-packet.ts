// Just enough of IPv4 and IPv6 headers for cryptokey routing: the version, the addresses, and the length the
// header claims (inbound plaintext carries padding up to a multiple of 16 that must be cut before the TUN write).

const IPV4_HEADER_MIN = 20;
const IPV6_HEADER = 40;
const IPV4_TOTAL_LENGTH_OFFSET = 2;
const IPV6_PAYLOAD_LENGTH_OFFSET = 4;
/** Where the addresses start in the header: the pipelines look them up in place, at the packet's offset plus these. */
export const IPV4_SRC_OFFSET = 12;
export const IPV4_DST_OFFSET = 16;
export const IPV6_SRC_OFFSET = 8;
export const IPV6_DST_OFFSET = 24;

export interface IpPacketInfo {
  readonly version: 4 | 6;
  /** Length of the IP packet as its header states; never more than the bytes we hold. */
  readonly length: number;
}

/** Reads the version and claimed length of an IP packet; null when it is not a well-formed IPv4 or IPv6 packet. */
export function ipPacketInfo(packet: Uint8Array): IpPacketInfo | null {
  const length = ipPacketLengthAt(packet, 0, packet.length);
  return length < 0 ? null : { version: packet[0]! >> 4 === 4 ? 4 : 6, length };
}

/**
 * The length the header claims of the IP packet at `data[offset]`, which holds `available` bytes; −1 when it is not
 * a well-formed IPv4 or IPv6 packet. The version is `data[offset] >> 4`. For the data path: no view, no object.
 */
export function ipPacketLengthAt(data: Uint8Array, offset: number, available: number): number {
  if (available < 1) {
    return -1;
  }
  const version = data[offset]! >> 4;
  if (version === 4) {
    if (available < IPV4_HEADER_MIN) {
      return -1;
    }
    const length = (data[offset + IPV4_TOTAL_LENGTH_OFFSET]! << 8) | data[offset + IPV4_TOTAL_LENGTH_OFFSET + 1]!;
    return length >= IPV4_HEADER_MIN && length <= available ? length : -1;
  }
  if (version === 6) {
    if (available < IPV6_HEADER) {
      return -1;
    }
    const payload = (data[offset + IPV6_PAYLOAD_LENGTH_OFFSET]! << 8) | data[offset + IPV6_PAYLOAD_LENGTH_OFFSET + 1]!;
    const length = IPV6_HEADER + payload;
    return length <= available ? length : -1;
  }
  return -1;
}

/** The destination address bytes (a view, not a copy); call only after ipPacketInfo() accepted the packet. */
export function destinationAddress(packet: Uint8Array, version: 4 | 6): Uint8Array {
  return version === 4
    ? packet.subarray(IPV4_DST_OFFSET, IPV4_DST_OFFSET + 4)
    : packet.subarray(IPV6_DST_OFFSET, IPV6_DST_OFFSET + 16);
}

/** The source address bytes (a view, not a copy); call only after ipPacketInfo() accepted the packet. */
export function sourceAddress(packet: Uint8Array, version: 4 | 6): Uint8Array {
  return version === 4
    ? packet.subarray(IPV4_SRC_OFFSET, IPV4_SRC_OFFSET + 4)
    : packet.subarray(IPV6_SRC_OFFSET, IPV6_SRC_OFFSET + 16);
}
