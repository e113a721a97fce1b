// Which certificate a TLS handshake gets. A browser that asks (by SNI) for a name the imported certificate
// carries gets that one, unless the name is one of the router's own (`burrow.lan`, `<hostname>.lan`,
// `localhost`, names below them, addresses): those always get the built-in one, whatever the import says (a
// `*.lan` wildcard included), so an import can never lock the household out. No SNI gets the built-in one too.
import { createSecureContext, type SecureContext } from 'node:tls';
import { describeCertificate } from '../certificates/x509/describe.js';
import { isBuiltInName } from '../certificates/x509/router-names.js';
import { dnsNameMatches } from '../certificates/x509/subject-names.js';
import { type ServedCertificates } from '../services/certificate.service.js';
import { secureContextOptions } from './tls-settings.js';

export class CertificateSelector {
  private builtIn!: SecureContext;
  private imported: { context: SecureContext; names: string[] } | undefined;
  private builtInNames: readonly string[] = [];

  constructor(served: ServedCertificates) {
    this.update(served);
  }

  /** Takes effect for the next handshake; connections already open keep the certificate they got. */
  update(served: ServedCertificates): void {
    // Both built before either is swapped in: a failure leaves the selector as it was, never half updated.
    const builtIn = createSecureContext(secureContextOptions(served.builtIn));
    const imported = served.imported && {
      context: createSecureContext(secureContextOptions(served.imported)),
      names: describeCertificate(served.imported.chainPem).names,
    };
    this.builtIn = builtIn;
    this.imported = imported;
    this.builtInNames = served.builtInNames;
  }

  select(servername: string): SecureContext {
    if (this.imported === undefined || isBuiltInName(servername, this.builtInNames)) {
      return this.builtIn;
    }
    return this.imported.names.some((name) => dnsNameMatches(name, servername)) ? this.imported.context : this.builtIn;
  }

  /** For `tls.createServer({ SNICallback })`. */
  readonly sniCallback = (servername: string, done: (error: Error | null, context: SecureContext) => void): void => {
    done(null, this.select(servername));
  };
}
