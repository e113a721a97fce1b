// The nameConstraints extension (RFC 5280 4.2.1.10), which @peculiar/x509 has no class for: built from and read
// back into a NameConstraintsSpec through the ASN.1 schema of @peculiar/asn1-x509.
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  NameConstraints,
  id_ce_nameConstraints,
} from '@peculiar/asn1-x509';
import { Extension, type X509Certificate } from './x509-library.js';
import { formatCidr, mustParseCidr } from './ip-address.js';
import type { NameConstraintsSpec } from './router-names.js';

/** A critical extension permitting exactly the given subtrees (and excluding nothing). */
export function nameConstraintsExtension(spec: NameConstraintsSpec): Extension {
  const subtrees = [
    ...spec.dns.map((dNSName) => new GeneralName({ dNSName })),
    ...spec.ipRanges.map((cidr) => new GeneralName({ iPAddress: canonicalCidr(cidr) })),
  ].map((base) => new GeneralSubtree({ base }));
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: new GeneralSubtrees(subtrees) }));
  return new Extension(id_ce_nameConstraints, true, value);
}

/** The permitted DNS and IP subtrees of a certificate's nameConstraints; null when it has no such extension. */
export function readNameConstraints(certificate: X509Certificate): NameConstraintsSpec | null {
  const extension = certificate.getExtension(id_ce_nameConstraints);
  if (!extension) {
    return null;
  }
  const parsed = AsnConvert.parse(extension.value, NameConstraints);
  const spec: NameConstraintsSpec = { dns: [], ipRanges: [] };
  for (const { base } of parsed.permittedSubtrees ?? []) {
    if (base.dNSName !== undefined) {
      spec.dns.push(base.dNSName);
    } else if (base.iPAddress !== undefined) {
      spec.ipRanges.push(canonicalCidr(base.iPAddress));
    }
  }
  return spec;
}

// The schema's converter reads the 8- or 32-octet address+mask as "address/prefix" text; parse it again so an
// address with host bits set comes out in the same canonical form the spec uses.
function canonicalCidr(text: string): string {
  return formatCidr(mustParseCidr(text));
}
