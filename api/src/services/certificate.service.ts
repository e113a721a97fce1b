// What HTTPS serves: the built-in certificate from the router's own CA, and one an admin imported for a real
// domain name, if any (served to browsers that ask for one of its names; the router's own names and addresses
// always get the built-in one, so importing can never lock the household out of burrow.lan). Every change goes through one queue and is
// announced to the listeners, which swap it into the running TLS server.
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type KeyPairPem, createAuthority, readAuthorityConstraints } from '../certificates/x509/authority.js';
import { describeCertificate, splitCertificates } from '../certificates/x509/describe.js';
import { ImportRefusedError, checkImport } from '../certificates/x509/import-check.js';
import { parseIp } from '../certificates/x509/ip-address.js';
import { type RouterNames, hostnameLabel, routerNames, splitByConstraints } from '../certificates/x509/router-names.js';
import { issueServerCertificate } from '../certificates/x509/server-certificate.js';
import { type CertificateDto, type CertificateMode, type CertificatesDto } from '../dtos/certificate.dto.js';
import { type Actor, auditedAs } from './actor.js';
import { DomainError } from './domain-error.js';
import { type ClientInfo } from './client-info.js';
import { CertificateFileRepository, type KeyAndChain } from '../repositories/certificate-file.repository.js';
import { HostRepository } from '../repositories/host.repository.js';
import { NetworkInterfaceRepository } from '../repositories/network-interface.repository.js';
import { assertServable } from '../server/tls-settings.js';
import { AuditService } from './audit.service.js';
import { EventService } from './event.service.js';
import { Clock } from './clock.js';
import { readLanAddresses } from './gateway-report.js';
import { StatusHubService } from './status-hub.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The built-in certificate is re-issued this long before it expires. */
export const RENEW_BEFORE_MS = 30 * DAY_MS;
/** How often names, addresses and expiry are looked at. */
const CHECK_INTERVAL_MS = 60_000;

/** What HTTPS has to offer: the built-in certificate always, an imported one while it is in use. */
export interface ServedCertificates {
  builtIn: KeyAndChain;
  imported?: KeyAndChain;
  /**
   * The router's own DNS names, as subtrees (`burrow.lan`, `<hostname>.lan`, `localhost`): they, the names below
   * them and every address get the built-in certificate, whatever the imported one names.
   */
  builtInNames: string[];
}

type Listener = (served: ServedCertificates) => void;

/** What the recovery console shows after a change: SHA-256 fingerprints, colon-separated hex as browsers show them. */
export interface CertificateFingerprints {
  /** The built-in server certificate's. */
  fingerprintSha256: string;
  authorityFingerprintSha256: string;
}

const RENEWAL_REASONS = {
  requested: 'an admin asked for it',
  issuer: "the old one was not issued by this router's authority",
  expiry: 'the old one was close to expiring',
  'not-yet-valid': "the old one was issued while the router's clock was wrong",
  names: "the router's names or addresses changed",
  authority: 'a new certificate authority was made: devices must trust it again',
} as const;

@Injectable()
export class CertificateService implements OnApplicationShutdown {
  private readonly logger = new Logger(CertificateService.name);
  private readonly listeners = new Set<Listener>();
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private state:
    { authority: KeyPairPem; builtIn: KeyAndChain; imported?: KeyAndChain; mode: CertificateMode } | undefined;

  constructor(
    private readonly files: CertificateFileRepository,
    private readonly clock: Clock,
    private readonly host: HostRepository,
    private readonly interfaces: NetworkInterfaceRepository,
    private readonly hub: StatusHubService,
    private readonly audit: AuditService,
    private readonly events: EventService,
  ) {}

  /** Loads the certificates, creating the CA and the server certificate on first boot; what to serve first. */
  start(): Promise<ServedCertificates> {
    return this.serially(async () => {
      await this.load();
      await this.renewIfDue();
      return this.served();
    });
  }

  /** Looks every minute for a certificate due for renewal or names that changed. */
  watch(): void {
    this.timer ??= setInterval(() => {
      this.check().catch((error: unknown) => this.logger.error(`certificate check failed: ${String(error)}`));
    }, CHECK_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Calls `listener` with the new certificates whenever what is served changes; returns the unsubscribe. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  served(): ServedCertificates {
    const state = this.loaded();
    const builtInNames = this.builtInNames(state.authority);
    return state.mode === 'imported' && state.imported
      ? { builtIn: state.builtIn, imported: state.imported, builtInNames }
      : { builtIn: state.builtIn, builtInNames };
  }

  /**
   * The names and addresses the page is opened by: the router's own (and its bare hostname), and the DNS names of
   * the imported certificate in use. Read from the box and the certificate, never from a request.
   */
  async siteNames(): Promise<RouterNames> {
    const own = await this.routerNames();
    const label = hostnameLabel(this.host.hostname());
    const imported =
      this.state?.mode === 'imported' && this.state.imported
        ? describeCertificate(this.state.imported.chainPem).names.filter((name) => parseIp(name) === null)
        : [];
    return { dns: [...new Set([...own.dns, ...(label ? [label] : []), ...imported])], ips: own.ips };
  }

  /** The CA certificate in PEM: public, for anyone to download. */
  authorityPem(): string {
    return this.loaded().authority.certificatePem;
  }

  /** Re-issues the built-in certificate if it is due or the router's names changed. */
  async check(): Promise<void> {
    await this.serially(() => this.renewIfDue());
  }

  async status(): Promise<CertificatesDto> {
    const names = await this.routerNames();
    const state = this.loaded();
    const { uncovered } = splitByConstraints(names, readAuthorityConstraints(state.authority.certificatePem));
    const builtIn = describeCertificate(state.builtIn.chainPem);
    return {
      mode: state.mode,
      chain: splitCertificates((this.served().imported ?? state.builtIn).chainPem).map(toDto),
      authority: toDto(state.authority.certificatePem),
      uncoveredNames: uncovered,
      renewsAt: new Date(builtIn.notAfter.getTime() - RENEW_BEFORE_MS).toISOString(),
    };
  }

  renew(actor: { username: string }, client: ClientInfo): Promise<CertificatesDto> {
    return this.serially(async () => {
      await this.issue(await this.coveredNames());
      await this.record('certificate.renewed', actor, client, { reason: 'requested' });
      await this.tellRenewed('requested');
    }).then(() => this.status());
  }

  /**
   * A new built-in certificate from the current CA, for the recovery console (or any in-process caller), as `renew`
   * does. The files are read afresh first: the console runs in a process of its own, next to the API, which takes
   * the new certificate when the console has it restart.
   */
  reissueFor(by: Actor): Promise<CertificateFingerprints> {
    return this.serially(async () => {
      await this.load();
      await this.issue(await this.coveredNames());
      await this.recordBy('certificate.renewed', by, { reason: 'requested' });
      await this.tellRenewed('requested');
      return this.fingerprints();
    });
  }

  /**
   * A brand-new CA and a built-in certificate from it; the old CA's key is gone with its file (replaced in one
   * rename). An imported certificate stays in use. Every browser that trusted the old CA must trust the new one.
   * A crash after the CA is written but before the server certificate is leaves one from the old CA, which the next
   * start re-issues (it was not issued by this CA).
   */
  resetAuthorityFor(by: Actor): Promise<CertificateFingerprints> {
    return this.serially(async () => {
      await this.load();
      const previous = describeCertificate(this.loaded().authority.certificatePem).fingerprintSha256;
      const authority = await createAuthority({ hostname: this.host.hostname(), now: this.clock.now() });
      await this.files.write('authority', { keyPem: authority.keyPem, chainPem: authority.certificatePem });
      await this.files.writePublicAuthority(authority.certificatePem);
      const builtIn = await this.issueFor(authority, await this.coveredNames(authority));
      this.state = { ...this.loaded(), authority, builtIn };
      this.publish();
      const fingerprints = this.fingerprints();
      this.logger.warn(`made a new router CA, SHA-256 fingerprint ${fingerprints.authorityFingerprintSha256}`);
      await this.recordBy('certificate.authority_reset', by, {
        previousAuthorityFingerprintSha256: previous,
        authorityFingerprintSha256: fingerprints.authorityFingerprintSha256,
      });
      await this.tellRenewed('authority');
      return fingerprints;
    });
  }

  /**
   * The CA's fingerprint as the files on disk say, for the console's header; null when there is no CA yet (nothing
   * is created) or it cannot be read.
   */
  async authorityFingerprint(): Promise<string | null> {
    let pem: string | undefined;
    try {
      pem = (await this.files.read('authority'))?.chainPem;
    } catch {
      // Damaged or not readable by this process: the public copy says the same.
    }
    try {
      pem ??= await this.files.readPublicAuthority();
      return pem === undefined ? null : describeCertificate(pem).fingerprintSha256;
    } catch {
      return null;
    }
  }

  /**
   * Validates and switches to an admin's certificate, for a domain name of theirs: any DNS name but the router's
   * own (see import-check.ts), which keep the built-in certificate. Nothing the client chose (its TLS server name,
   * its Host header) decides whether the certificate is acceptable.
   */
  import(
    upload: { chain: string; key: string },
    actor: { username: string },
    client: ClientInfo,
  ): Promise<CertificatesDto> {
    return this.serially(async () => {
      let imported: KeyAndChain;
      try {
        const checked = await checkImport({
          chainPem: upload.chain,
          keyPem: upload.key,
          builtInNames: this.builtInNames(this.loaded().authority),
          now: this.clock.now(),
        });
        imported = { keyPem: checked.keyPem, chainPem: checked.chainPem };
        assertServable(imported);
      } catch (error) {
        if (error instanceof ImportRefusedError) {
          await this.record('certificate.import_refused', actor, client, { check: error.check });
          throw new DomainError('invalid', 'certificate_refused', error.message);
        }
        throw error;
      }
      await this.files.write('imported', imported);
      await this.files.writeMode('imported');
      this.state = { ...this.loaded(), imported, mode: 'imported' };
      this.publish();
      const leaf = describeCertificate(imported.chainPem);
      await this.record('certificate.imported', actor, client, {
        subject: leaf.subject,
        fingerprintSha256: leaf.fingerprintSha256,
      });
    }).then(() => this.status());
  }

  /** Back to the built-in certificate; the imported one is deleted. */
  revert(actor: { username: string }, client: ClientInfo): Promise<CertificatesDto> {
    return this.serially(async () => {
      await this.files.writeMode('built-in');
      await this.files.remove('imported');
      const { imported: _dropped, ...rest } = this.loaded();
      this.state = { ...rest, mode: 'built-in' };
      this.publish();
      // The built-in certificate may have aged or lost names meanwhile.
      await this.renewIfDue();
      await this.record('certificate.reverted', actor, client, {});
    }).then(() => this.status());
  }

  private async load(): Promise<void> {
    const authority = await this.loadAuthority();
    const builtIn =
      (await this.readOrForget('server')) ?? (await this.issueFor(authority, await this.coveredNames(authority)));
    const mode = await this.files.readMode();
    const imported = mode === 'imported' ? this.servableOrForget(await this.readOrForget('imported')) : undefined;
    if (mode === 'imported' && imported === undefined) {
      this.logger.warn('the imported certificate is missing; serving the built-in one');
    }
    this.state = { authority, builtIn, mode: imported ? 'imported' : 'built-in', ...(imported ? { imported } : {}) };
  }

  /** A damaged server or imported file (edited by hand, a failing card) is replaced rather than keeping the page down. */
  private async readOrForget(name: 'server' | 'imported'): Promise<KeyAndChain | undefined> {
    try {
      return await this.files.read(name);
    } catch (error) {
      this.logger.error(`the ${name} certificate cannot be read, so it is not used: ${String(error)}`);
      return undefined;
    }
  }

  /** An imported pair Node's TLS refuses (a newer Node, stricter OpenSSL) must not keep the server from starting. */
  private servableOrForget(pair: KeyAndChain | undefined): KeyAndChain | undefined {
    try {
      if (pair !== undefined) {
        assertServable(pair);
      }
      return pair;
    } catch (error) {
      this.logger.error(`the imported certificate cannot be served, so the built-in one is: ${String(error)}`);
      return undefined;
    }
  }

  /** The CA, created on first boot. Its key is written before anything it signs is. */
  private async loadAuthority(): Promise<KeyPairPem> {
    const stored = await this.files.read('authority');
    let authority: KeyPairPem;
    if (stored === undefined) {
      authority = await createAuthority({ hostname: this.host.hostname(), now: this.clock.now() });
      await this.files.write('authority', { keyPem: authority.keyPem, chainPem: authority.certificatePem });
      await this.files.remove('server');
      const { fingerprintSha256 } = describeCertificate(authority.certificatePem);
      this.logger.log(`created the router CA, SHA-256 fingerprint ${fingerprintSha256}`);
    } else {
      authority = { keyPem: stored.keyPem, certificatePem: stored.chainPem };
    }
    if ((await this.files.readPublicAuthority()) !== authority.certificatePem) {
      await this.files.writePublicAuthority(authority.certificatePem);
    }
    return authority;
  }

  /** Re-issues the built-in certificate when it nears expiry, was not issued by this CA, or names changed. */
  private async renewIfDue(): Promise<boolean> {
    const state = this.loaded();
    const now = this.clock.now();
    const current = describeCertificate(state.builtIn.chainPem);
    const authority = describeCertificate(state.authority.certificatePem);
    if (now < authority.notBefore || now >= authority.notAfter) {
      // A board without a real-time clock boots in the past until NTP answers: a certificate issued now would be
      // invalid once the clock is right, so wait. After ten years the CA itself has run out: nothing to issue.
      return false;
    }
    const names = await this.coveredNames();
    const reason =
      current.issuer !== authority.subject
        ? 'issuer'
        : now.getTime() >= current.notAfter.getTime() - RENEW_BEFORE_MS && current.notAfter < authority.notAfter
          ? 'expiry'
          : now < current.notBefore
            ? 'not-yet-valid'
            : !sameNames(current.names, names)
              ? 'names'
              : undefined;
    if (reason === undefined) {
      return false;
    }
    this.logger.warn(`re-issuing the built-in certificate (${reason}) for ${[...names.dns, ...names.ips].join(', ')}`);
    await this.issue(names);
    await this.tellRenewed(reason);
    return true;
  }

  private async issue(names: RouterNames): Promise<void> {
    const state = this.loaded();
    const builtIn = await this.issueFor(state.authority, names);
    this.state = { ...state, builtIn };
    this.publish();
  }

  private async issueFor(authority: KeyPairPem, names: RouterNames): Promise<KeyAndChain> {
    const leaf = await issueServerCertificate({ authority, names, now: this.clock.now() });
    const builtIn = { keyPem: leaf.keyPem, chainPem: `${leaf.certificatePem}${authority.certificatePem}` };
    await this.files.write('server', builtIn);
    return builtIn;
  }

  /** Today's hostname's names, and the ones the CA was made for (the hostname may have changed since). */
  private builtInNames(authority: KeyPairPem): string[] {
    const current = routerNames(this.host.hostname(), []).dns;
    const constrained = readAuthorityConstraints(authority.certificatePem).dns;
    return [...new Set([...current, ...constrained])];
  }

  /** The box's own addresses, and the LAN addresses burrowd reports (the same ones on a device; in the lab, burrowd's namespace's). */
  private async routerNames(): Promise<RouterNames> {
    const [own, lan] = await Promise.all([this.interfaces.reachableAddresses(), this.lanAddresses()]);
    return routerNames(this.host.hostname(), [...new Set([...own, ...lan])]);
  }

  /** The LAN addresses in burrowd's newest report (the status hub's, or one fresh read). */
  private async lanAddresses(): Promise<string[]> {
    return readLanAddresses((await this.hub.read()).raw);
  }

  /** The router's names that the CA may certify. */
  private async coveredNames(authority: KeyPairPem = this.loaded().authority): Promise<RouterNames> {
    return splitByConstraints(await this.routerNames(), readAuthorityConstraints(authority.certificatePem)).covered;
  }

  private publish(): void {
    const served = this.served();
    for (const listener of this.listeners) {
      listener(served);
    }
  }

  private async record(
    action: 'certificate.renewed' | 'certificate.imported' | 'certificate.import_refused' | 'certificate.reverted',
    actor: { username: string },
    client: ClientInfo,
    details: Record<string, string>,
  ): Promise<void> {
    await this.audit.record({ action, actor, address: client.address, target: 'https', details }, this.clock.now());
  }

  private async recordBy(
    action: 'certificate.renewed' | 'certificate.authority_reset',
    by: Actor,
    details: Record<string, string>,
  ): Promise<void> {
    await this.audit.record({ action, ...auditedAs(by), target: 'https', details }, this.clock.now());
  }

  private fingerprints(): CertificateFingerprints {
    const state = this.loaded();
    return {
      fingerprintSha256: describeCertificate(state.builtIn.chainPem).fingerprintSha256,
      authorityFingerprintSha256: describeCertificate(state.authority.certificatePem).fingerprintSha256,
    };
  }

  /** The household is told too: browsers that trusted the router's CA are fine, pinned certificates are not. */
  private async tellRenewed(reason: keyof typeof RENEWAL_REASONS): Promise<void> {
    await this.events.record(
      {
        kind: 'certificate.renewed',
        severity: 'info',
        message: `The router's HTTPS certificate was renewed: ${RENEWAL_REASONS[reason]}`,
        details: { reason },
      },
      this.clock.now(),
    );
  }

  private loaded() {
    if (this.state === undefined) {
      throw new Error('the certificates are not loaded yet: start() first');
    }
    return this.state;
  }

  /** One change at a time: a renewal racing an import must not serve a certificate nobody chose. */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function toDto(pem: string): CertificateDto {
  const summary = describeCertificate(pem);
  return {
    ...summary,
    notBefore: summary.notBefore.toISOString(),
    notAfter: summary.notAfter.toISOString(),
  };
}

function sameNames(certified: readonly string[], wanted: RouterNames): boolean {
  const expected = [...wanted.dns, ...wanted.ips];
  return certified.length === expected.length && expected.every((name) => certified.includes(name));
}
