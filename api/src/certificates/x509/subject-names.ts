// The names a certificate is for (its subjectAltName) and whether it covers a given host name or address,
// the way browsers decide it (RFC 6125): SAN only, never the Common Name; a wildcard only as the whole
// leftmost label, standing for exactly one label.
import { SubjectAlternativeNameExtension, type X509Certificate } from './x509-library.js';
import { formatIp, parseIp } from './ip-address.js';
import type { RouterNames } from './router-names.js';

/** SAN DNS names (lowercased) and IP addresses (canonical text), in certificate order. */
export function certificateNames(certificate: X509Certificate): RouterNames {
  const names: RouterNames = { dns: [], ips: [] };
  const san = certificate.getExtension(SubjectAlternativeNameExtension);
  for (const name of san?.names.items ?? []) {
    if (name.type === 'dns') {
      names.dns.push(name.value.toLowerCase());
    } else if (name.type === 'ip') {
      const address = parseIp(name.value);
      names.ips.push(address ? formatIp(address) : name.value);
    }
  }
  return names;
}

export function dnsNameMatches(pattern: string, host: string): boolean {
  const wanted = host.toLowerCase().replace(/\.$/, '');
  const [first, ...rest] = pattern.toLowerCase().replace(/\.$/, '').split('.');
  if (first !== '*') {
    return [first, ...rest].join('.') === wanted && !wanted.includes('*');
  }
  // A bare `*` names nothing; `*.example.com` names `a.example.com` but neither `example.com` nor `a.b.example.com`.
  const [label = '', ...parent] = wanted.split('.');
  return rest.length >= 1 && label !== '' && parent.join('.') === rest.join('.');
}
