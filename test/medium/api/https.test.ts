// HTTPS as a household meets it: the CA fetched over plain HTTP lets curl verify the page by name and address,
// plain HTTP only redirects, TLS below 1.2 is refused, the keys stay private on disk, and a renewal swaps the
// certificate under open connections.
import { NetworkInterfaceRepository } from '@burrow/api/repositories/network-interface.repository';
import { CertificateService } from '@burrow/api/services/certificate.service';
import { Clock } from '@burrow/api/services/clock';
import test from 'ava';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { startInProcessApi, type InProcessApi } from './in-process-api.js';
import { call, setupAdmin } from './session-client.js';

const run = promisify(execFile);
const DAY_MS = 24 * 60 * 60 * 1000;

async function withApi(t: { teardown: (fn: () => Promise<void>) => void }): Promise<InProcessApi> {
  const api = await startInProcessApi();
  t.teardown(() => api.close());
  return api;
}

async function scratch(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-https-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const portOf = (url: string) => Number(new URL(url).port);

/** The status of a plain-HTTP GET, with any Host header (fetch() will not send a malformed one). */
function plainStatus(api: InProcessApi, path: string, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port: portOf(api.httpUrl), path, headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** curl's exit code and output; a failed verification is an exit code, not an exception. */
async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('curl', ['--silent', '--show-error', '--max-time', '10', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A TLS connection to the API, verified against `ca` unless told otherwise. */
async function tlsConnect(
  api: InProcessApi,
  options: { ca?: string; servername?: string; maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string } = {},
): Promise<TLSSocket> {
  const socket = connect({
    host: '127.0.0.1',
    port: portOf(api.url),
    ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
    ...(options.servername ? { servername: options.servername } : {}),
    ...(options.maxVersion ? { maxVersion: options.maxVersion, minVersion: 'TLSv1' } : {}),
    ...(options.ciphers ? { ciphers: options.ciphers } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** One HTTP/1.1 request on an open socket; resolves with the status line once the whole response is in. */
function requestOn(socket: TLSSocket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const headerEnd = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      if (headerEnd >= 0 && length !== undefined && received.length >= headerEnd + 4 + Number(length)) {
        socket.off('data', onData);
        resolve(received.slice(0, received.indexOf('\r\n')));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: burrow.lan\r\nConnection: keep-alive\r\n\r\n`);
  });
}

test('the CA fetched over plain HTTP lets curl verify the page by name, by address and by localhost', async (t) => {
  const api = await withApi(t);
  const dir = await scratch(t);
  const caFile = join(dir, 'ca.pem');
  const download = await curl([
    '--output',
    caFile,
    '--write-out',
    '%{http_code} %{content_type}',
    `${api.httpUrl}/api/certificates/ca.pem`,
  ]);
  t.regex(download.stdout, /^200 application\/x-pem-file\b/);
  const port = portOf(api.url);
  for (const host of ['burrow.lan', 'localhost']) {
    const verified = await curl([
      '--cacert',
      caFile,
      '--resolve',
      `${host}:${port}:127.0.0.1`,
      `https://${host}:${port}/api/health`,
    ]);
    t.is(verified.code, 0, `${host}: ${verified.stderr}`);
    t.regex(verified.stdout, /"database":"ok"/);
  }
  const byAddress = await curl(['--cacert', caFile, `https://127.0.0.1:${port}/api/health`]);
  t.is(byAddress.code, 0, byAddress.stderr);

  // Without the CA, curl refuses the certificate (60: peer certificate cannot be authenticated).
  t.is((await curl([`https://127.0.0.1:${port}/api/health`])).code, 60);
  // With the CA but a name the certificate does not carry, it refuses the name.
  const wrongName = await curl([
    '--cacert',
    caFile,
    '--resolve',
    `router.example.com:${port}:127.0.0.1`,
    `https://router.example.com:${port}/`,
  ]);
  t.is(wrongName.code, 60, wrongName.stderr);
});

test('openssl s_client verifies the chain and the host name against the downloaded CA', async (t) => {
  const api = await withApi(t);
  const dir = await scratch(t);
  const caFile = join(dir, 'ca.pem');
  await writeFile(
    caFile,
    await (
      await fetch(`${api.httpUrl}/api/certificates/ca.der`)
    )
      .arrayBuffer()
      .then((der) => new X509Certificate(Buffer.from(der)).toString()),
  );
  const stdout = await new Promise<string>((resolve) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${portOf(api.url)}`,
        '-servername',
        'burrow.lan',
        '-verify_hostname',
        'burrow.lan',
        '-verify_return_error',
        '-CAfile',
        caFile,
        '-brief',
      ],
      { timeout: 10_000 },
      (_error, out, err) => resolve(`${out}${err}`),
    );
    // End of input: s_client closes the connection once the handshake is done.
    child.stdin?.end();
  });
  t.regex(stdout, /Verification: OK/);
  t.regex(stdout, /Protocol version: TLSv1\.3/);
});

test('plain HTTP redirects everything to HTTPS except the CA downloads', async (t) => {
  const api = await withApi(t);
  const httpsPort = portOf(api.url);
  for (const [method, path] of [
    ['GET', '/status?x=1'],
    ['GET', '/api/health'],
    ['POST', '/api/auth/login'],
  ] as const) {
    const response = await fetch(`${api.httpUrl}${path}`, { method, redirect: 'manual' });
    t.is(response.status, 308, `${method} ${path}`);
    t.is(response.headers.get('location'), `https://127.0.0.1:${httpsPort}${path}`);
  }
  // A Host that is not a name or an address never reaches a Location header.
  for (const host of ['evil.example/x', 'a b', '"><script>']) {
    t.is(await plainStatus(api, '/status', host), 400, host);
  }
  // Only the two exact download paths skip the redirect.
  for (const path of ['/api/certificates/CA.pem', '/api/certificates/ca.pem/', '/api/certificates']) {
    t.is(await plainStatus(api, path), 308, path);
  }
  const pem = await fetch(`${api.httpUrl}/api/certificates/ca.pem`, { redirect: 'manual' });
  t.is(pem.status, 200);
  t.is(pem.headers.get('content-disposition'), 'attachment; filename="burrow-ca.pem"');
  const der = await fetch(`${api.httpUrl}/api/certificates/ca.der`, { redirect: 'manual' });
  t.is(der.status, 200);
  t.is(der.headers.get('content-type'), 'application/pkix-cert');
  t.is(new X509Certificate(Buffer.from(await der.arrayBuffer())).toString(), await pem.text());
  t.is(
    new X509Certificate(api.caPem).toString(),
    new X509Certificate(await (await fetch(`${api.url}/api/certificates/ca.pem`)).text()).toString(),
  );
});

test('TLS 1.3 is chosen, 1.2 is accepted, anything older is refused', async (t) => {
  const api = await withApi(t);
  const modern = await tlsConnect(api, { ca: api.caPem, servername: 'burrow.lan' });
  t.is(modern.getProtocol(), 'TLSv1.3');
  modern.destroy();
  const tls12 = await tlsConnect(api, { ca: api.caPem, servername: 'burrow.lan', maxVersion: 'TLSv1.2' });
  t.is(tls12.getProtocol(), 'TLSv1.2');
  t.regex(tls12.getCipher().name, /^ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
  tls12.destroy();
  await t.throwsAsync(tlsConnect(api, { maxVersion: 'TLSv1.1' }));
  // TLS 1.2 without forward secrecy or without an AEAD: refused.
  for (const ciphers of ['AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA']) {
    await t.throwsAsync(tlsConnect(api, { maxVersion: 'TLSv1.2', ciphers }), undefined, ciphers);
  }
});

test('keys are private on disk; the CA certificate alone is readable', async (t) => {
  const api = await withApi(t);
  const certs = join(api.dataDir, 'certs');
  t.is((await stat(certs)).mode & 0o777, 0o700);
  for (const file of ['authority.pem', 'server.pem']) {
    t.is((await stat(join(certs, file))).mode & 0o777, 0o600, file);
  }
  t.is((await stat(join(certs, 'ca.pem'))).mode & 0o777, 0o644);
});

test('the certificate is re-issued 30 days before it expires, under open connections', async (t) => {
  const api = await withApi(t);
  // Node closes an idle keep-alive connection after 5 s; a slow machine must not turn that into a failure here.
  api.listening.https.keepAliveTimeout = 60_000;
  const before = await tlsConnect(api, { ca: api.caPem, servername: 'burrow.lan' });
  t.teardown(() => before.destroy());
  t.regex(await requestOn(before, '/api/health'), /^HTTP\/1\.1 200/);
  const oldFingerprint = before.getPeerX509Certificate()?.fingerprint256;

  const clock = api.app.get(Clock);
  const certificates = api.app.get(CertificateService);
  const realNow = clock.now.bind(clock);
  clock.now = () => new Date(realNow().getTime() + 300 * DAY_MS);
  await certificates.check();
  const notYet = await tlsConnect(api);
  t.is(notYet.getPeerX509Certificate()?.fingerprint256, oldFingerprint, 'not due 300 days in');
  notYet.destroy();

  clock.now = () => new Date(realNow().getTime() + 368 * DAY_MS);
  await certificates.check();
  const after = await tlsConnect(api);
  t.teardown(() => after.destroy());
  const renewed = after.getPeerX509Certificate();
  t.not(renewed?.fingerprint256, oldFingerprint);
  t.true(new Date(renewed?.validTo ?? 0).getTime() > realNow().getTime() + 700 * DAY_MS);
  t.true(renewed?.checkIssued(new X509Certificate(api.caPem)));

  // The connection opened before the swap still answers, on the certificate it started with.
  t.regex(await requestOn(before, '/api/health'), /^HTTP\/1\.1 200/);
});

test('renew now: admins only; a new certificate for the same names, verified by the same CA', async (t) => {
  const api = await withApi(t);
  const admin = await setupAdmin(api);
  const first = await call<{ chain: Array<{ fingerprintSha256: string; names: string[] }> }>(api, '/api/certificates', {
    session: admin,
  });
  t.is(first.status, 200);
  t.true(first.body.chain[0]?.names.includes('burrow.lan'));
  t.true(first.body.chain[0]?.names.includes('127.0.0.1'));

  const renewed = await call<{ chain: Array<{ fingerprintSha256: string; names: string[] }> }>(
    api,
    '/api/certificates/renew',
    { method: 'POST', session: admin },
  );
  t.is(renewed.status, 200);
  t.not(renewed.body.chain[0]?.fingerprintSha256, first.body.chain[0]?.fingerprintSha256);
  t.deepEqual(renewed.body.chain[0]?.names, first.body.chain[0]?.names);
  const served = await tlsConnect(api, { ca: api.caPem, servername: 'burrow.lan' });
  t.is(served.getPeerX509Certificate()?.fingerprint256, renewed.body.chain[0]?.fingerprintSha256);
  served.destroy();
  t.is((await call(api, '/api/certificates/renew', { method: 'POST' })).status, 401);
});

test('a restart serves the same CA and certificate from disk', async (t) => {
  const first = await startInProcessApi();
  const dataDir = first.dataDir;
  const connection = await tlsConnect(first);
  const fingerprint = connection.getPeerX509Certificate()?.fingerprint256;
  connection.destroy();
  const ca = first.caPem;
  await first.listening.close();
  const second = await startInProcessApi({ dataDir });
  t.teardown(async () => {
    await second.close();
    await first.close().catch(() => undefined);
  });
  t.is(second.caPem, ca);
  const again = await tlsConnect(second);
  t.is(again.getPeerX509Certificate()?.fingerprint256, fingerprint);
  again.destroy();
});

test('a new LAN address is added to the certificate within a check; a public one is reported, not certified', async (t) => {
  const api = await withApi(t);
  const admin = await setupAdmin(api);
  const interfaces = api.app.get(NetworkInterfaceRepository);
  const realAddresses = interfaces.reachableAddresses.bind(interfaces);
  interfaces.reachableAddresses = async () => [...(await realAddresses()), '192.168.77.1', '203.0.113.9'];
  await api.app.get(CertificateService).check();
  const status = await call<{ chain: Array<{ names: string[] }>; uncoveredNames: string[] }>(api, '/api/certificates', {
    session: admin,
  });
  t.true(status.body.chain[0]?.names.includes('192.168.77.1'));
  t.false(status.body.chain[0]?.names.includes('203.0.113.9'));
  t.true(status.body.uncoveredNames.includes('203.0.113.9'));
  const served = await tlsConnect(api, { ca: api.caPem });
  t.true(served.getPeerX509Certificate()?.checkIP('192.168.77.1') === '192.168.77.1');
  served.destroy();
});
