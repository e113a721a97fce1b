// The manifest: the first thing in a backup's plaintext, a JSON object that says what the file holds. Framing:
//
//   u32 big-endian manifest length ‖ manifest (UTF-8 JSON) ‖ part 1's bytes ‖ part 2's bytes ‖ …
//
// in the order the manifest lists the parts, each exactly `size` bytes, each with its SHA-256 checked on read.
// A manifest is authenticated with the chunks that carry it, but it is still checked field by field: part names
// become paths under the extract directory.

export type BackupKind = 'manual' | 'daily' | 'pre-restore';
export const BACKUP_KINDS: readonly BackupKind[] = ['manual', 'daily', 'pre-restore'];

export interface BackupPartEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: number;
  firmwareVersion: string;
  createdAt: string;
  hostname: string;
  kind: BackupKind;
  parts: BackupPartEntry[];
}

/** Bounds that keep a hostile manifest from costing memory: it is read whole before anything is extracted. */
export const MANIFEST_LIMITS = { maxBytes: 1024 * 1024, maxParts: 10_000, maxNameLength: 255, maxText: 256 } as const;

const SHA256_HEX = /^[0-9a-f]{64}$/;
// Letters, digits and a few punctuation marks: no separators other than '/', no control characters, no spaces.
const NAME_SEGMENT = /^[A-Za-z0-9_.+@=-]+$/;

/** Why a part name cannot be used (a relative path below the extract directory), or undefined when it can. */
export function partNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > MANIFEST_LIMITS.maxNameLength) {
    return `a part name is 1–${MANIFEST_LIMITS.maxNameLength} characters`;
  }
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || !NAME_SEGMENT.test(segment)) {
      return `part name ${JSON.stringify(name)} is not a plain relative path`;
    }
  }
  return undefined;
}

/** Why these names cannot live side by side in one directory tree (a repeat, or a file that is another's folder). */
export function partNamesProblem(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    const problem = partNameProblem(name);
    if (problem !== undefined) {
      return problem;
    }
    if (seen.has(name)) {
      return `part ${JSON.stringify(name)} appears twice`;
    }
    seen.add(name);
  }
  for (const name of names) {
    const segments = name.split('/');
    for (let depth = 1; depth < segments.length; depth += 1) {
      if (seen.has(segments.slice(0, depth).join('/'))) {
        return `part ${JSON.stringify(name)} lies under another part`;
      }
    }
  }
  return undefined;
}

export function encodeManifest(manifest: BackupManifest): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  if (json.length > MANIFEST_LIMITS.maxBytes) {
    throw new RangeError(`The backup manifest would be ${json.length} bytes, over ${MANIFEST_LIMITS.maxBytes}`);
  }
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json]);
}

/** The manifest of a version-1 file, checked field by field; undefined when anything is off. */
export function parseManifestV1(json: Buffer): BackupManifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !hasExactly(value, ['format', 'firmwareVersion', 'createdAt', 'hostname', 'kind', 'parts'])) {
    return undefined;
  }
  const { format, firmwareVersion, createdAt, hostname, kind, parts } = value;
  if (
    format !== 1 ||
    !isText(firmwareVersion) ||
    !isText(hostname) ||
    !isText(createdAt) ||
    Number.isNaN(Date.parse(createdAt)) ||
    !BACKUP_KINDS.includes(kind as BackupKind) ||
    !Array.isArray(parts) ||
    parts.length > MANIFEST_LIMITS.maxParts
  ) {
    return undefined;
  }
  const entries: BackupPartEntry[] = [];
  for (const part of parts as unknown[]) {
    if (
      !isRecord(part) ||
      !hasExactly(part, ['name', 'size', 'sha256']) ||
      typeof part.name !== 'string' ||
      !Number.isSafeInteger(part.size) ||
      (part.size as number) < 0 ||
      typeof part.sha256 !== 'string' ||
      !SHA256_HEX.test(part.sha256)
    ) {
      return undefined;
    }
    entries.push({ name: part.name, size: part.size as number, sha256: part.sha256 });
  }
  if (partNamesProblem(entries.map((entry) => entry.name)) !== undefined) {
    return undefined;
  }
  return { format, firmwareVersion, createdAt, hostname, kind: kind as BackupKind, parts: entries };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasExactly(record: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(record);
  return own.length === keys.length && keys.every((key) => Object.hasOwn(record, key));
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MANIFEST_LIMITS.maxText;
}
