// Text forms of 32-byte keys: base64 as `wg` and config files print them, lowercase hex as the UAPI speaks.

export const KEY_LENGTH = 32;

/** The result of decoding a key from text; `reason` is safe to show (it never contains the input). */
export type KeyDecodeResult =
  { readonly ok: true; readonly value: Uint8Array } | { readonly ok: false; readonly reason: string };

// 32 bytes → 43 significant base64 characters + one '='; the last character carries 2 unused bits that must be 0.
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** Standard base64 with padding, 44 characters: the form `wg genkey`, `wg show` and wg-quick files use. */
export function encodeKeyBase64(key: Uint8Array): string {
  assertKeyLength(key);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
}

/** Strictly decodes a 44-character base64 key: no whitespace, no URL alphabet, no non-canonical trailing bits. */
export function decodeKeyBase64(text: string): KeyDecodeResult {
  if (text.length !== 44) {
    return { ok: false, reason: `a key must be 44 base64 characters, got ${text.length}` };
  }
  if (!BASE64_KEY.test(text)) {
    return { ok: false, reason: 'a key must be canonical base64 of 32 bytes (A-Z a-z 0-9 + /, ending in "=")' };
  }
  return { ok: true, value: new Uint8Array(Buffer.from(text, 'base64')) };
}

/** Lowercase hex, 64 characters: the form of keys in the cross-platform UAPI. */
export function encodeKeyHex(key: Uint8Array): string {
  assertKeyLength(key);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
}

/** Strictly decodes a 64-character hex key (either case, nothing else). */
export function decodeKeyHex(text: string): KeyDecodeResult {
  if (text.length !== 64) {
    return { ok: false, reason: `a hex key must be 64 characters, got ${text.length}` };
  }
  if (!HEX_KEY.test(text)) {
    return { ok: false, reason: 'a hex key may contain only 0-9 and a-f' };
  }
  return { ok: true, value: new Uint8Array(Buffer.from(text, 'hex')) };
}

/** A short, non-secret label for logs, as wireguard-go prints peers: `abcd…wxyz` of the base64 public key. */
export function shortKey(publicKey: Uint8Array): string {
  const text = encodeKeyBase64(publicKey);
  return `${text.slice(0, 4)}…${text.slice(39, 43)}`;
}

function assertKeyLength(key: Uint8Array): void {
  if (key.length !== KEY_LENGTH) {
    throw new RangeError(`a key must be ${KEY_LENGTH} bytes, got ${key.length}`);
  }
}
