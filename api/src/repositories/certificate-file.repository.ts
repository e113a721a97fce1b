// The certificate files in BURROW_DATA_DIR/certs. A key and its certificates live in one file, so a crash can
// never leave a key next to a certificate it does not match: each write is one atomic rename.
//
//   authority.pem  0600  the CA's key and certificate: the source of truth for the CA
//   ca.pem         0644  the CA certificate alone, for downloads and the recovery console
//   server.pem     0600  the built-in server certificate's key, then the certificate and the CA
//   imported.pem   0600  an admin's key, then their chain
//   state.json     0600  which of the two is served
import { writeFileAtomic } from '@burrow/firmware/os/atomic-file';
import { Injectable } from '@nestjs/common';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type CertificateMode, CERTIFICATE_MODES } from '../dtos/certificate.dto.js';
import { AppEnv } from '../env.js';
import { isErrno } from './errno.js';

/** A private key with the certificates it belongs to, leaf first. */
export interface KeyAndChain {
  keyPem: string;
  chainPem: string;
}

type PairFile = 'authority' | 'server' | 'imported';

const PRIVATE_KEY_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\r?\n?/;
const CERTIFICATE_BLOCKS = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/g;

@Injectable()
export class CertificateFileRepository {
  readonly directory: string;

  constructor(env: AppEnv) {
    this.directory = join(env.dataDir, 'certs');
  }

  async read(name: PairFile): Promise<KeyAndChain | undefined> {
    const text = await this.readText(`${name}.pem`);
    if (text === undefined) {
      return undefined;
    }
    const key = PRIVATE_KEY_BLOCK.exec(text)?.[0];
    const chain = text.match(CERTIFICATE_BLOCKS);
    if (key === undefined || chain === null) {
      throw new Error(`${join(this.directory, `${name}.pem`)} is damaged: it lacks a private key or a certificate`);
    }
    return { keyPem: ensureNewline(key), chainPem: chain.map(ensureNewline).join('') };
  }

  async write(name: PairFile, pair: KeyAndChain): Promise<void> {
    await this.ensureDirectory();
    await writeFileAtomic(join(this.directory, `${name}.pem`), `${ensureNewline(pair.keyPem)}${pair.chainPem}`, {
      mode: 0o600,
    });
  }

  async remove(name: PairFile): Promise<void> {
    await rm(join(this.directory, `${name}.pem`), { force: true });
  }

  /** The public copy of the CA certificate; written whenever it differs from the authority file's. */
  async readPublicAuthority(): Promise<string | undefined> {
    return this.readText('ca.pem');
  }

  async writePublicAuthority(certificatePem: string): Promise<void> {
    await this.ensureDirectory();
    const file = join(this.directory, 'ca.pem');
    await writeFileAtomic(file, certificatePem, { mode: 0o644 });
    // The umask may have taken bits away from the mode given at creation.
    await chmod(file, 0o644);
  }

  /** Which certificate is served: built-in when nothing was chosen yet, or when the choice cannot be read. */
  async readMode(): Promise<CertificateMode> {
    const text = await this.readText('state.json');
    let mode: unknown;
    try {
      mode = text === undefined ? undefined : (JSON.parse(text) as { mode?: unknown } | null)?.mode;
    } catch {
      mode = undefined;
    }
    return CERTIFICATE_MODES.find((known) => known === mode) ?? 'built-in';
  }

  async writeMode(mode: CertificateMode): Promise<void> {
    await this.ensureDirectory();
    await writeFileAtomic(join(this.directory, 'state.json'), `${JSON.stringify({ mode })}\n`, { mode: 0o600 });
  }

  private async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing directory's mode alone: the keys' directory is the API user's only, whatever it was.
    await chmod(this.directory, 0o700);
  }

  private async readText(file: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.directory, file), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return undefined;
      }
      throw error;
    }
  }
}

function ensureNewline(pem: string): string {
  return pem.endsWith('\n') ? pem.replace(/\r\n/g, '\n') : `${pem.replace(/\r\n/g, '\n')}\n`;
}
