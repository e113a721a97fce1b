// Plain HTTP answers only with a redirect to HTTPS, except for the CA certificate: a device that does not trust
// the router yet fetches it here, and its owner compares the fingerprint with the one the console shows.
import { type NextFunction, type Request, type Response } from 'express';

const PLAIN_HTTP_PATHS = new Set(['/api/certificates/ca.pem', '/api/certificates/ca.der']);
/** A host name, an IPv4 address or a bracketed IPv6 address: nothing else goes into a Location header. */
const REDIRECTABLE_HOST = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\])$/i;

export function httpsOnly(httpsPort: number) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.secure || (isRead(request.method) && PLAIN_HTTP_PATHS.has(request.path))) {
      next();
      return;
    }
    const host = request.hostname;
    if (typeof host !== 'string' || !REDIRECTABLE_HOST.test(host)) {
      response.status(400).type('text/plain').send('Use HTTPS.\n');
      return;
    }
    const port = httpsPort === 443 ? '' : `:${httpsPort}`;
    // 308 keeps the method and body, so even a form post lands on the HTTPS page it was meant for.
    response.redirect(308, `https://${host}${port}${request.originalUrl}`);
  };
}

function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
