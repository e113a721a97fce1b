// Certificates through the API: an admin's own certificate is validated before use (every refusal a clear 4xx
// that changes nothing), served at once, and reverted; and no route ever hands out the CA's private key.
import { type KeyPairPem } from '@burrow/api/certificates/x509/authority';
import { hostnameLabel } from '@burrow/api/certificates/x509/router-names';
import { ecKey, testCertificate } from '@burrow/api/testing/test-certificates';
import test from 'ava';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { CertificateService } from '@burrow/api/services/certificate.service';
import { Clock } from '@burrow/api/services/clock';
import { startInProcessApi, type InProcessApi } from './in-process-api.js';
import {
  call,
  createUser,
  readBody,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  type Session,
} from './session-client.js';

const DAY_MS = 24 * 60 * 60 * 1000;

interface Certificates {
  mode: 'built-in' | 'imported';
  chain: Array<{ fingerprintSha256: string; names: string[]; subject: string }>;
  authority: { fingerprintSha256: string };
}

/** A public CA with an intermediate, as a real certificate for the router would come. */
async function publicChain(leaf: { dns?: string[]; ips?: string[]; notBefore?: Date; notAfter?: Date } = {}) {
  const root = await testCertificate({ commonName: 'Test Public Root', ca: true });
  const intermediate = await testCertificate({ commonName: 'Test Issuing CA', ca: true, issuer: root });
  const server = await testCertificate({
    commonName: leaf.dns?.[0] ?? leaf.ips?.[0] ?? 'burrow.lan',
    dns: leaf.dns ?? ['burrow.lan'],
    ...(leaf.ips ? { ips: leaf.ips } : {}),
    issuer: intermediate,
    ...(leaf.notBefore ? { notBefore: leaf.notBefore } : {}),
    ...(leaf.notAfter ? { notAfter: leaf.notAfter } : {}),
  });
  return { root, intermediate, server, chain: `${server.certificatePem}${intermediate.certificatePem}` };
}

/** The fingerprint of the certificate HTTPS serves right now, to a client asking for `servername` (SNI) or not. */
async function servedFingerprint(api: InProcessApi, servername?: string): Promise<string | undefined> {
  const socket = connect({
    host: '127.0.0.1',
    port: Number(new URL(api.url).port),
    rejectUnauthorized: false,
    ...(servername === undefined ? {} : { servername }),
  });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
  socket.destroy();
  return fingerprint;
}

/** A POST over a connection that asks (SNI) for `servername`, as a browser opening https://<servername>/ does. */
async function postAs(
  api: InProcessApi,
  admin: Session,
  servername: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { message: string } & Certificates }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port: Number(new URL(api.url).port),
        path,
        method: 'POST',
        servername,
        // Before the import the router serves its own certificate for this name: trust it for this one request.
        rejectUnauthorized: false,
        headers: {
          host: servername,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          cookie: `__Host-burrow_session=${admin.token}`,
          'x-csrf-token': admin.csrfToken,
        },
      },
      (response) => {
        let received = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(received) as { message: string } & Certificates,
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

const importCertificate = (api: InProcessApi, admin: Session, body: unknown, headers: Record<string, string> = {}) =>
  call<{ message: string; code?: string } & Certificates>(api, '/api/certificates/import', {
    method: 'POST',
    session: admin,
    body,
    headers,
  });

test('bad uploads are refused with the failing check named, and nothing changes', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const before = (await call<Certificates>(api, '/api/certificates', { session: admin })).body;
    const served = await servedFingerprint(api);
    const good = await publicChain();
    const other = await testCertificate({ commonName: 'other', dns: ['burrow.lan'] });
    const now = Date.now();
    const expired = await publicChain({ notBefore: new Date(now - 100 * DAY_MS), notAfter: new Date(now - DAY_MS) });
    const future = await publicChain({ notBefore: new Date(now + 10 * DAY_MS) });
    const byAddress = await publicChain({ dns: [], ips: ['127.0.0.1'] });

    // What, the upload, the check the audit log must name, and words the message must use.
    const cases: Array<[string, { chain: string; key: string }, string, RegExp]> = [
      [
        'garbage PEM',
        { chain: 'hello, I am a certificate', key: good.server.keyPem },
        'certificate-pem',
        /certificate/i,
      ],
      [
        'a key for another certificate',
        { chain: good.chain, key: other.keyPem },
        'key-mismatch',
        /key does not belong/i,
      ],
      ['an expired certificate', { chain: expired.chain, key: expired.server.keyPem }, 'expired', /expired/i],
      [
        'a not-yet-valid certificate',
        { chain: future.chain, key: future.server.keyPem },
        'not-yet-valid',
        /not valid until/,
      ],
      [
        'a chain in the wrong order',
        { chain: `${good.intermediate.certificatePem}${good.server.certificatePem}`, key: good.server.keyPem },
        'chain-order',
        /in order/,
      ],
      [
        "only the router's own name",
        { chain: good.chain, key: good.server.keyPem },
        'names',
        /burrow\.lan only\. An imported certificate is never served for the router's own names/,
      ],
      ['a self-signed certificate', { chain: other.certificatePem, key: other.keyPem }, 'self-signed', /self-signed/],
      [
        'a certificate without its issuer',
        { chain: good.server.certificatePem, key: good.server.keyPem },
        'issuer-missing',
        /not the certificate of its issuer \(Test Issuing CA\)/,
      ],
      [
        'a certificate that matches only by address',
        { chain: byAddress.chain, key: byAddress.server.keyPem },
        'names',
        /127\.0\.0\.1/,
      ],
    ];
    for (const [what, body, , message] of cases) {
      const reply = await importCertificate(api, admin, body);
      t.is(reply.status, 400, what);
      t.is(reply.body.code, 'certificate_refused', what);
      t.regex(reply.body.message, message, `${what}: ${reply.body.message}`);
      t.false(reply.body.message.includes('PRIVATE KEY'), 'the key is never echoed');
    }

    const huge = await fetch(`${api.url}/api/certificates/import`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `__Host-burrow_session=${admin.token}`,
        'x-csrf-token': admin.csrfToken,
      },
      body: JSON.stringify({ chain: 'A'.repeat(10 * 1024 * 1024), key: good.server.keyPem }),
    });
    t.is(huge.status, 413);
    const hugeBody = (await huge.json()) as unknown;
    t.like(hugeBody, { statusCode: 413, code: 'payload_too_large' });

    t.deepEqual((await call<Certificates>(api, '/api/certificates', { session: admin })).body, before);
    t.is(await servedFingerprint(api), served);
    const refusals = await call<{ events: Array<{ action: string; details: { check?: string } }> }>(
      api,
      '/api/audit?action=certificate.import_refused',
      { session: admin },
    );
    t.deepEqual(
      refusals.body.events.map((event) => event.details.check).reverse(),
      cases.map(([, , check]) => check),
    );
    t.deepEqual((await readdir(join(api.dataDir, 'certs'))).sort(), ['authority.pem', 'ca.pem', 'server.pem']);
  });
});

test('a good chain is served at once for its names, the built-in one still by address; revert removes it', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const builtIn = await servedFingerprint(api);
    t.is(await servedFingerprint(api, 'router.example.net'), builtIn);
    const good = await publicChain({ dns: ['router.example.net'] });
    const imported = await importCertificate(api, admin, { chain: good.chain, key: good.server.keyPem });
    t.is(imported.status, 200, imported.body.message);
    t.is(imported.body.mode, 'imported');
    t.is(imported.body.chain.length, 2);
    const leafFingerprint = new X509Certificate(good.server.certificatePem).fingerprint256;
    t.is(imported.body.chain[0]?.fingerprintSha256, leafFingerprint);
    t.is(await servedFingerprint(api, 'router.example.net'), leafFingerprint);
    t.is(await servedFingerprint(api, 'ROUTER.example.net'), leafFingerprint);
    t.is(await servedFingerprint(api), builtIn, 'by address, the built-in certificate still answers');
    t.is(await servedFingerprint(api, 'burrow.lan'), builtIn);

    // Renewing re-issues the built-in certificate only.
    t.is((await call(api, '/api/certificates/renew', { method: 'POST', session: admin })).status, 200);
    const renewedBuiltIn = await servedFingerprint(api);
    t.not(renewedBuiltIn, builtIn);
    t.is(await servedFingerprint(api, 'router.example.net'), leafFingerprint);
    const stored = await readFile(join(api.dataDir, 'certs', 'imported.pem'), 'utf8');
    t.true(stored.includes(good.server.certificatePem.trim()));

    const reverted = await call<Certificates>(api, '/api/certificates/revert', { method: 'POST', session: admin });
    t.is(reverted.status, 200);
    t.is(reverted.body.mode, 'built-in');
    t.is(await servedFingerprint(api, 'router.example.net'), renewedBuiltIn);
    t.is(reverted.body.chain[0]?.fingerprintSha256, renewedBuiltIn);
  });
});

test("an import is never served for the router's own names, whatever it names or the client asked for", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const builtIn = await servedFingerprint(api);
    const hostLan = `${hostnameLabel(hostname()) ?? 'burrow'}.lan`;
    const ownNames = ['burrow.lan', hostLan, 'localhost', 'www.burrow.lan'];

    // A self-signed certificate for the router's names, sent over a connection that asked for one of them.
    for (const dns of [['burrow.lan'], ['*.lan'], ['localhost', 'router.example.net']]) {
      const key = ecKey();
      const selfSigned = await testCertificate({ commonName: dns[0] ?? '', dns, key });
      const refused = await postAs(api, admin, 'burrow.lan', '/api/certificates/import', {
        chain: selfSigned.certificatePem,
        key: selfSigned.keyPem,
      });
      t.is(refused.status, 400, `self-signed ${dns.join(', ')}`);
      t.regex(refused.body.message, /self-signed/);
    }
    // A CA-issued certificate for nothing but the router's own names and addresses could never be served.
    for (const names of [
      { dns: ['burrow.lan'] },
      { dns: [hostLan, 'localhost', '*.burrow.lan'] },
      { ips: ['127.0.0.1'] },
    ]) {
      const chain = await publicChain({ dns: names.dns ?? [], ...(names.ips ? { ips: names.ips } : {}) });
      const refused = await postAs(api, admin, names.dns?.[0] ?? 'burrow.lan', '/api/certificates/import', {
        chain: chain.chain,
        key: chain.server.keyPem,
      });
      t.is(refused.status, 400, JSON.stringify(names));
      t.regex(refused.body.message, /never served for the router's own names/, JSON.stringify(names));
    }
    t.is(await servedFingerprint(api, 'burrow.lan'), builtIn);

    // A wildcard over .lan and a real name: accepted without the client naming anything (no SNI, no Host), served
    // for other names, while the router's own names keep the built-in certificate.
    const wide = await publicChain({ dns: ['*.lan', 'router.example.net', '*.localhost'] });
    const imported = await importCertificate(api, admin, { chain: wide.chain, key: wide.server.keyPem });
    t.is(imported.status, 200, imported.body.message);
    const leaf = new X509Certificate(wide.server.certificatePem).fingerprint256;
    t.is(await servedFingerprint(api, 'router.example.net'), leaf);
    t.is(await servedFingerprint(api, 'printer.lan'), leaf);
    for (const name of ownNames) {
      t.is(await servedFingerprint(api, name), builtIn, name);
    }
    t.is(await servedFingerprint(api), builtIn);
  });
});

test('a viewer sees the certificates but cannot change them; the CA downloads need no session', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'viewer', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'viewer', VIEWER_PASSWORD);
    t.is((await call(api, '/api/certificates', { session: viewer })).status, 200);
    for (const path of ['/api/certificates/renew', '/api/certificates/revert', '/api/certificates/import']) {
      t.is((await call(api, path, { method: 'POST', session: viewer, body: {} })).status, 403, path);
    }
    t.is((await call(api, '/api/certificates')).status, 401);
    t.is((await fetch(`${api.url}/api/certificates/ca.pem`)).status, 200);
  });
});

test("no route returns the CA's private key, in any encoding", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const authority = await readAuthority(api);
    const secrets = secretEncodings(authority);
    const document = (await call<{ paths: Record<string, Record<string, unknown>> }>(api, '/api/openapi.json')).body;
    const scanned: string[] = [];
    for (const [template, operations] of Object.entries(document.paths)) {
      const path = template.replace(/\{[^}]+\}/g, '1');
      for (const method of Object.keys(operations)) {
        // Sign-out and revocations would end the scan's own session; their bodies hold no certificate anyway.
        if (method !== 'get' && !path.startsWith('/api/certificates')) {
          continue;
        }
        for (const base of [api.url, api.httpUrl]) {
          const response = await fetch(`${base}${path}`, {
            method: method.toUpperCase(),
            redirect: 'manual',
            headers: {
              cookie: `__Host-burrow_session=${admin.token}`,
              'x-csrf-token': admin.csrfToken,
              'content-type': 'application/json',
            },
            ...(method === 'get' ? {} : { body: '{}' }),
          });
          const body = await readBody(response);
          const headers: string[] = [];
          response.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
          const everything = Buffer.concat([Buffer.from(headers.join('\n')), body]);
          for (const [encoding, secret] of secrets) {
            t.false(
              everything.includes(secret),
              `${method.toUpperCase()} ${base}${path} contains the key as ${encoding}`,
            );
          }
        }
        scanned.push(`${method} ${template}`);
      }
    }
    const gets = Object.entries(document.paths).filter(([, operations]) => 'get' in operations);
    t.true(gets.length >= 10, 'the document lists the read routes');
    t.true(gets.every(([template]) => scanned.includes(`get ${template}`)));
    for (const write of ['renew', 'import', 'revert']) {
      t.true(scanned.includes(`post /api/certificates/${write}`));
    }
  });
});

async function readAuthority(api: InProcessApi): Promise<KeyPairPem> {
  const text = await readFile(join(api.dataDir, 'certs', 'authority.pem'), 'utf8');
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(text)?.[0] ?? '';
  return { keyPem, certificatePem: text.slice(keyPem.length) };
}

/** The key as PEM body, as DER (raw and base64) and as its private scalar (raw, hex, base64url). */
function secretEncodings(authority: KeyPairPem): Array<[string, Buffer]> {
  const base64 = authority.keyPem.replace(/-----[^-]+-----|\s/g, '');
  const der = Buffer.from(base64, 'base64');
  const jwk = createPrivateKey(authority.keyPem).export({ format: 'jwk' }) as { d: string };
  const scalar = Buffer.from(jwk.d, 'base64url');
  return [
    ['PEM base64', Buffer.from(base64.slice(0, 64))],
    ['DER', der],
    ['scalar', scalar],
    ['scalar hex', Buffer.from(scalar.toString('hex'))],
    ['scalar hex (upper)', Buffer.from(scalar.toString('hex').toUpperCase())],
    ['scalar base64url', Buffer.from(jwk.d)],
    ['scalar base64', Buffer.from(scalar.toString('base64'))],
  ];
}

test('a stored import that TLS can no longer serve is set aside at start; the built-in certificate answers', async (t) => {
  const first = await startInProcessApi();
  const { dataDir } = first;
  await first.listening.close();
  t.teardown(() => first.close().catch(() => undefined));
  // An imported pair whose key is not the certificate's: what a stricter future OpenSSL refusing it looks like.
  const good = await publicChain();
  const other = await testCertificate({ commonName: 'other', dns: ['burrow.lan'] });
  await writeFile(join(dataDir, 'certs', 'imported.pem'), `${other.keyPem}${good.chain}`, { mode: 0o600 });
  await writeFile(join(dataDir, 'certs', 'state.json'), '{"mode":"imported"}\n', { mode: 0o600 });
  const second = await startInProcessApi({ dataDir });
  t.teardown(() => second.close());
  const admin = await setupAdmin(second);
  const status = await call<Certificates>(second, '/api/certificates', { session: admin });
  t.is(status.body.mode, 'built-in');
  t.is(await servedFingerprint(second, 'burrow.lan'), status.body.chain[0]?.fingerprintSha256);
  t.true(second.logs.some((line) => String(line.msg).includes('cannot be served')));
});

test("in the CA's last month the certificate is re-issued once, up to the CA's end, not every minute", async (t) => {
  await withApi({}, async (api) => {
    const clock = api.app.get(Clock);
    const certificates = api.app.get(CertificateService);
    const authorityEnd = new Date(new X509Certificate(api.caPem).validTo);
    clock.now = () => new Date(authorityEnd.getTime() - 20 * DAY_MS);
    await certificates.check();
    const first = await servedFingerprint(api);
    await certificates.check();
    await certificates.check();
    t.is(await servedFingerprint(api), first);
    clock.now = () => new Date(authorityEnd.getTime() + DAY_MS);
    await t.notThrowsAsync(certificates.check(), 'after the CA has run out there is nothing to issue, and no error');
  });
});
