import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { CertificateUpload, Certificates } from '$lib/api/types';

/**
 * The router's CA certificate, readable without signing in (a new device fetches it before it trusts
 * anything). Plain links rather than client calls: the browser downloads them as files.
 */
export const CA_PEM_URL = '/api/certificates/ca.pem';
export const CA_DER_URL = '/api/certificates/ca.der';

/** What is served now, the router's CA, and the names the built-in certificate cannot cover. */
export async function fetchCertificates(client: ApiClient): Promise<Certificates> {
  return expectData(client.GET('/api/certificates', withDeadline()));
}

/** Issues a fresh built-in certificate now; refused (409) while an imported one is in use. */
export async function renewCertificate(client: ApiClient): Promise<Certificates> {
  return expectData(client.POST('/api/certificates/renew', withDeadline()));
}

/** Puts an admin's own chain and key in use; a refusal says which check failed and changes nothing. */
export async function importCertificate(client: ApiClient, upload: CertificateUpload): Promise<Certificates> {
  return expectData(client.POST('/api/certificates/import', { body: upload, ...withDeadline() }));
}

/** Back to the built-in certificate. */
export async function revertCertificate(client: ApiClient): Promise<Certificates> {
  return expectData(client.POST('/api/certificates/revert', withDeadline()));
}
