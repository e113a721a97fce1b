// PEM (RFC 7468) text as blocks: label, headers and DER bytes. Lenient about what lies between blocks (openssl's
// "Bag Attributes", "subject=" lines, CRLF), strict about the base64 inside them, which Buffer would quietly skip.

export interface PemBlock {
  label: string;
  headers: string[];
  der: Buffer;
}

export interface PemScan {
  blocks: PemBlock[];
  /** Labels of blocks whose base64 is damaged. */
  damaged: string[];
  /** Labels of BEGIN lines with no matching END line (a truncated paste). */
  unterminated: string[];
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
// From a BEGIN line to the first END line, with no other boundary in between.
const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----((?:(?!-----)[\s\S])*)-----END ([A-Z0-9 ]+)-----/y;

export function scanPem(text: string): PemScan {
  const scan: PemScan = { blocks: [], damaged: [], unterminated: [] };
  for (const begin of text.matchAll(BEGIN)) {
    BLOCK.lastIndex = begin.index ?? 0;
    const [, label = '', body = '', endLabel] = BLOCK.exec(text) ?? [];
    if (endLabel !== label) {
      scan.unterminated.push(begin[1] ?? '');
      continue;
    }
    const lines = body.split(/\r?\n/).map((line) => line.trim());
    const headers = lines.filter((line) => line.includes(':'));
    const base64 = lines.filter((line) => !line.includes(':')).join('');
    if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 === 1) {
      scan.damaged.push(label);
      continue;
    }
    scan.blocks.push({ label, headers, der: Buffer.from(base64, 'base64') });
  }
  return scan;
}

export function toPem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER of the first CERTIFICATE block; throws when there is none. */
export function pemToDer(pem: string): Buffer {
  const block = scanPem(pem).blocks.find((found) => found.label === 'CERTIFICATE');
  if (!block) {
    throw new Error('No CERTIFICATE block in the PEM text');
  }
  return block.der;
}

/** Each CERTIFICATE block, in order, re-encoded as normalised PEM (64-column base64, LF, trailing newline). */
export function splitCertificates(pem: string): string[] {
  return scanPem(pem)
    .blocks.filter((block) => block.label === 'CERTIFICATE')
    .map((block) => toPem('CERTIFICATE', block.der));
}
