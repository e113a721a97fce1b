import { createPublicKey, generateKeyPairSync, X509Certificate as NodeCertificate, type KeyObject } from 'node:crypto';
import test from 'ava';
import type { KeyPairPem } from './authority.js';
import { checkImport, ImportRefusedError, type ImportCheck } from './import-check.js';
import { splitCertificates, toPem } from './pem.js';
import { ecKey, testCertificate, type TestCertificateOptions } from '../../testing/test-certificates.js';
import { ExtendedKeyUsage, Extension, KeyUsageFlags } from './x509-library.js';

const DAY_MS = 86_400_000;
const now = new Date();
const builtInNames = ['router.lan', 'burrow.lan', 'localhost'];

interface Fixture {
  root: KeyPairPem;
  intermediate: KeyPairPem;
  leaf: KeyPairPem;
  chain: string;
}

// One public-CA-like hierarchy for the whole file: root → intermediate → leaf for router.example.com.
let fixture: Promise<Fixture> | undefined;
function hierarchy(): Promise<Fixture> {
  fixture ??= (async () => {
    const root = await testCertificate({ commonName: 'Test Root', ca: true });
    const intermediate = await testCertificate({ commonName: 'Test Intermediate', ca: true, issuer: root });
    const leaf = await leafFrom(intermediate);
    return { root, intermediate, leaf, chain: leaf.certificatePem + intermediate.certificatePem };
  })();
  return fixture;
}

function leafFrom(issuer: KeyPairPem, options: Partial<TestCertificateOptions> = {}): Promise<KeyPairPem> {
  return testCertificate({ commonName: 'router.example.com', dns: ['router.example.com'], issuer, ...options });
}

async function refusal(input: {
  chainPem: string;
  keyPem: string;
  now?: Date;
  minRemainingDays?: number;
}): Promise<{ check: ImportCheck; message: string }> {
  const error = await checkImport({ builtInNames, now, ...input }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ImportRefusedError)) {
    throw new Error(`expected a refusal, got ${String(error)}`);
  }
  return { check: error.check, message: error.message };
}

async function assertRefused(
  t: { is: (a: unknown, b: unknown, m?: string) => void; regex: (a: string, r: RegExp, m?: string) => void },
  input: Parameters<typeof refusal>[0],
  check: ImportCheck,
  message: RegExp,
): Promise<void> {
  const refused = await refusal(input);
  t.is(refused.check, check, refused.message);
  t.regex(refused.message, message);
}

const pkcs8 = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

test('a leaf and its intermediate are accepted; chain comes back normalised, key as PKCS#8', async (t) => {
  const { leaf, intermediate, chain } = await hierarchy();
  const messy = `Bag Attributes\r\n    localKeyID: 01\r\n${chain.replace(/\n/g, '\r\n')}`;
  const accepted = await checkImport({ chainPem: messy, keyPem: leaf.keyPem, builtInNames, now });
  t.deepEqual(splitCertificates(accepted.chainPem), [leaf.certificatePem, intermediate.certificatePem]);
  t.is(accepted.chainPem, leaf.certificatePem + intermediate.certificatePem);
  t.is(accepted.keyPem, leaf.keyPem);
});

test('a chain ending in its root is accepted; a self-signed certificate or a leaf without its issuer is refused', async (t) => {
  const { root, leaf, chain } = await hierarchy();
  await t.notThrowsAsync(
    checkImport({ chainPem: chain + root.certificatePem, keyPem: leaf.keyPem, builtInNames, now }),
  );
  const key = ecKey();
  for (const dns of [['burrow.lan'], ['*.lan'], ['router.example.com']]) {
    const selfSigned = await testCertificate({ commonName: dns[0] ?? '', dns, key });
    await assertRefused(
      t,
      { chainPem: selfSigned.certificatePem, keyPem: pkcs8(key) },
      'self-signed',
      /is self-signed: it vouches for itself/,
    );
  }
  await assertRefused(
    t,
    { chainPem: leaf.certificatePem, keyPem: leaf.keyPem },
    'issuer-missing',
    /not the certificate of its issuer \(Test Intermediate\)/,
  );
  const underRoot = await leafFrom(root);
  await t.notThrowsAsync(
    checkImport({
      chainPem: underRoot.certificatePem + root.certificatePem,
      keyPem: underRoot.keyPem,
      builtInNames,
      now,
    }),
  );
});

test('PKCS#1 RSA, SEC1 EC (with its parameters block) and P-384 keys are accepted and come back as PKCS#8', async (t) => {
  const { intermediate } = await hierarchy();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const p384 = ecKey('P-384');
  const p256 = ecKey();
  const cases: [KeyObject, string][] = [
    [rsa, rsa.export({ type: 'pkcs1', format: 'pem' }).toString()],
    [
      p256,
      `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${p256.export({ type: 'sec1', format: 'pem' }).toString()}`,
    ],
    [p384, p384.export({ type: 'sec1', format: 'pem' }).toString()],
  ];
  for (const [key, keyPem] of cases) {
    const leaf = await leafFrom(intermediate, { key });
    const accepted = await checkImport({
      chainPem: leaf.certificatePem + intermediate.certificatePem,
      keyPem,
      builtInNames,
      now,
    });
    t.is(accepted.keyPem, pkcs8(key), key.asymmetricKeyType);
  }
});

test('certificate field: empty, garbage, binary, a key, a CSR, another block, cut off, damaged, not X.509, too long', async (t) => {
  const { leaf, chain } = await hierarchy();
  const keyPem = leaf.keyPem;
  const cases: [string, RegExp][] = [
    ['   \n', /certificate field is empty/],
    ['hello world', /no -----BEGIN CERTIFICATE----- line/],
    [Buffer.from([0x30, 0x82, 0x01, 0x0a]).toString('latin1'), /convert it to PEM/],
    [leaf.keyPem, /holds a private key \(-----BEGIN PRIVATE KEY-----\)/],
    [chain + leaf.keyPem, /holds a private key/],
    [toPem('CERTIFICATE REQUEST', Buffer.from([1])), /certificate signing request/],
    [toPem('PKCS7', Buffer.from([1])), /-----BEGIN PKCS7----- block/],
    [chain.slice(0, chain.indexOf('-----END')), /cut off: its -----END CERTIFICATE----- line is missing/],
    [chain.replace(/^(-----BEGIN CERTIFICATE-----\n.{10})./, '$1!'), /not valid base64/],
    [toPem('CERTIFICATE', Buffer.from('not a certificate')), /Certificate 1 in the chain is not a valid X\.509/],
    [chain + toPem('CERTIFICATE', Buffer.from([0x30, 0])), /Certificate 3 in the chain is not a valid X\.509/],
    [leaf.certificatePem.repeat(11), /11 certificates; at most 10/],
  ];
  for (const [chainPem, message] of cases) {
    await assertRefused(t, { chainPem, keyPem }, 'certificate-pem', message);
  }
});

test('key field: empty, garbage, a certificate, a public key, two keys, damaged, unreadable', async (t) => {
  const { leaf, chain } = await hierarchy();
  const publicKey = createPublicKey(leaf.keyPem).export({ type: 'spki', format: 'pem' }).toString();
  const cases: [string, RegExp][] = [
    ['', /key field is empty/],
    ['my password', /does not hold a PEM private key/],
    [leaf.certificatePem, /holds a certificate, not a private key/],
    [publicKey, /holds a public key/],
    [leaf.keyPem + pkcs8(ecKey()), /holds 2 private keys/],
    [leaf.keyPem.replace(/\n[A-Za-z0-9+/]{8}/, '\n********'), /not valid base64/],
    [toPem('PRIVATE KEY', Buffer.from('nonsense')), /cannot be read/],
    [toPem('EC PRIVATE KEY', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), /cannot be read/],
  ];
  for (const [keyPem, message] of cases) {
    await assertRefused(t, { chainPem: chain, keyPem }, 'key-pem', message);
  }
});

test('a passphrase-protected key is refused with a way to remove the passphrase', async (t) => {
  const { chain } = await hierarchy();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const encrypted = [
    ecKey().export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString(),
    rsa.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString(),
  ];
  t.regex(encrypted[0] ?? '', /ENCRYPTED PRIVATE KEY/);
  t.regex(encrypted[1] ?? '', /Proc-Type: 4,ENCRYPTED/);
  for (const keyPem of encrypted) {
    await assertRefused(t, { chainPem: chain, keyPem }, 'key-encrypted', /passphrase.*openssl pkey/);
  }
});

test('weak or unservable keys are refused: RSA 1024, other curves, Ed25519, Ed448, DSA, OpenSSH', async (t) => {
  const { chain } = await hierarchy();
  const cases: [string, RegExp][] = [
    [pkcs8(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey), /RSA key is 1024 bits long.*at least 2048/],
    [pkcs8(generateKeyPairSync('rsa', { modulusLength: 4160 }).privateKey), /4160 bits long.*at most 4096 bits/],
    [pkcs8(ecKey('secp256k1')), /ECDSA secp256k1 key/],
    [pkcs8(ecKey('P-521')), /ECDSA P-521 key/],
    [pkcs8(generateKeyPairSync('ed25519').privateKey), /Ed25519 key, which browsers do not accept/],
    [pkcs8(generateKeyPairSync('ed448').privateKey), /Ed448 key/],
    [pkcs8(generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey), /DSA 2048 key/],
    [toPem('OPENSSH PRIVATE KEY', Buffer.from('openssh-key-v1')), /OpenSSH key/],
  ];
  for (const [keyPem, message] of cases) {
    await assertRefused(t, { chainPem: chain, keyPem }, 'key-unsupported', message);
  }
});

test('a key for another certificate is refused, naming the certificate it should belong to', async (t) => {
  const { chain } = await hierarchy();
  await assertRefused(
    t,
    { chainPem: chain, keyPem: pkcs8(ecKey()) },
    'key-mismatch',
    /does not belong to the first certificate in the chain \(router\.example\.com\)/,
  );
});

test('a chain out of order is refused, saying which certificate did not sign which', async (t) => {
  const { root, intermediate, leaf } = await hierarchy();
  await assertRefused(
    t,
    { chainPem: intermediate.certificatePem + leaf.certificatePem, keyPem: leaf.keyPem },
    'chain-order',
    /key belongs to certificate 2 in the chain \(router\.example\.com\), not the first/,
  );
  await assertRefused(
    t,
    { chainPem: leaf.certificatePem + root.certificatePem, keyPem: leaf.keyPem },
    'chain-order',
    /^Certificate 2 in the chain \(Test Root\) did not sign certificate 1, which was issued by Test Intermediate\. Put the chain in order/,
  );
  await assertRefused(
    t,
    { chainPem: leaf.certificatePem + intermediate.certificatePem + intermediate.certificatePem, keyPem: leaf.keyPem },
    'chain-order',
    /Certificate 3 .* did not sign certificate 2/,
  );
});

test('an issuer with the right name but another key, or one that is not a CA, is refused', async (t) => {
  const { root, leaf } = await hierarchy();
  const impostor = await testCertificate({ commonName: 'Test Intermediate', ca: true, issuer: root });
  await assertRefused(
    t,
    { chainPem: leaf.certificatePem + impostor.certificatePem, keyPem: leaf.keyPem },
    'chain-order',
    /Certificate 2 in the chain has the right name \(Test Intermediate\) but did not sign certificate 1/,
  );
  const notCa = await testCertificate({ commonName: 'Just a server', dns: ['other.example.com'] });
  const signedByLeaf = await leafFrom(notCa);
  await assertRefused(
    t,
    { chainPem: signedByLeaf.certificatePem + notCa.certificatePem, keyPem: signedByLeaf.keyPem },
    'chain-order',
    /Certificate 2 in the chain \(Just a server\) is not a certificate authority/,
  );
});

test('the leaf must be valid now and for at least 7 more days (or as asked)', async (t) => {
  const { leaf, chain } = await hierarchy();
  const certificate = new NodeCertificate(leaf.certificatePem);
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const input = { chainPem: chain, keyPem: leaf.keyPem };
  const iso = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');
  await assertRefused(
    t,
    { ...input, now: new Date(notBefore.getTime() - 3_600_000) },
    'not-yet-valid',
    new RegExp(`not valid until ${iso(notBefore)} UTC`),
  );
  await assertRefused(
    t,
    { ...input, now: new Date(notAfter.getTime() + DAY_MS) },
    'expired',
    new RegExp(`expired on ${notAfter.toISOString().slice(0, 10)}\\.`),
  );
  await assertRefused(t, { ...input, now: notAfter }, 'expired', /expired on/);
  const fiveDaysLeft = new Date(notAfter.getTime() - 5 * DAY_MS);
  await assertRefused(
    t,
    { ...input, now: fiveDaysLeft },
    'expires-soon',
    new RegExp(`expires on ${iso(notAfter)} UTC, in less than 7 days`),
  );
  await t.notThrowsAsync(checkImport({ ...input, builtInNames, now: fiveDaysLeft, minRemainingDays: 3 }));
  await t.notThrowsAsync(checkImport({ ...input, builtInNames, now: new Date(notAfter.getTime() - 8 * DAY_MS) }));
});

test("the leaf must name a DNS name other than the router's own; the message says why", async (t) => {
  const { intermediate } = await hierarchy();
  const leaf = await leafFrom(intermediate, { dns: ['burrow.lan', '*.router.lan'], ips: ['192.168.1.1'] });
  const refused = await refusal({ chainPem: leaf.certificatePem + intermediate.certificatePem, keyPem: leaf.keyPem });
  t.is(refused.check, 'names');
  t.is(
    refused.message,
    "The certificate is for burrow.lan, *.router.lan, 192.168.1.1 only. An imported certificate is never served for the router's " +
      "own names (router.lan, burrow.lan, localhost and names below them) or its addresses, which keep the router's own " +
      'certificate, so this one could never be used. Use a certificate for the domain name you will open the page by, ' +
      'such as router.example.com.',
  );
  const noSan = await testCertificate({ commonName: 'router.example.com', issuer: intermediate });
  await assertRefused(
    t,
    { chainPem: noSan.certificatePem + intermediate.certificatePem, keyPem: noSan.keyPem },
    'names',
    /names no host \(it has no Subject Alternative Name, and browsers ignore the Common Name\)/,
  );
});

test("names: any DNS name counts but the router's own, the names below them, and addresses", async (t) => {
  const { intermediate } = await hierarchy();
  const accepts = async (names: { dns?: string[]; ips?: string[] }) => {
    const leaf = await leafFrom(intermediate, { dns: [], ips: [], ...names });
    const chainPem = leaf.certificatePem + intermediate.certificatePem;
    return checkImport({ chainPem, keyPem: leaf.keyPem, builtInNames, now }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ImportRefusedError && error.check === 'names') {
          return false;
        }
        throw error;
      },
    );
  };
  t.true(await accepts({ dns: ['*.example.com'] }));
  t.true(await accepts({ dns: ['ROUTER.Example.COM'] }));
  t.true(await accepts({ dns: ['www.example.org', 'burrow.lan'] }), 'one name of its own is enough');
  t.true(await accepts({ dns: ['*.lan'] }), 'served for other .lan names; the router keeps its own');
  t.true(await accepts({ dns: ['printer.lan'] }));
  t.false(await accepts({ dns: ['burrow.lan'] }));
  t.false(await accepts({ dns: ['ROUTER.LAN.'] }));
  t.false(await accepts({ dns: ['*.burrow.lan', 'www.router.lan'] }), "names below the router's own are its own");
  t.false(await accepts({ dns: ['localhost', '*.localhost'] }));
  t.false(await accepts({ ips: ['192.168.1.1', '203.0.113.7'] }), 'addresses always get the built-in certificate');
});

test('the leaf must be usable by a web server', async (t) => {
  const { intermediate } = await hierarchy();
  const cases: [Partial<TestCertificateOptions>, RegExp][] = [
    [{ extendedKeyUsages: [ExtendedKeyUsage.clientAuth, ExtendedKeyUsage.emailProtection] }, /not for web servers/],
    [{ keyUsage: KeyUsageFlags.keyEncipherment }, /does not allow digital signatures/],
    [{ ca: true }, /is a certificate authority, which browsers refuse/],
  ];
  for (const [options, message] of cases) {
    const leaf = await leafFrom(intermediate, options);
    await assertRefused(
      t,
      { chainPem: leaf.certificatePem + intermediate.certificatePem, keyPem: leaf.keyPem },
      'not-a-server-certificate',
      message,
    );
  }
  const anyUse = await leafFrom(intermediate, { extendedKeyUsages: null });
  await t.notThrowsAsync(
    checkImport({
      chainPem: anyUse.certificatePem + intermediate.certificatePem,
      keyPem: anyUse.keyPem,
      builtInNames,
      now,
    }),
    'no extended key usage allows every use',
  );
});

test('checks run in order: with everything wrong, the certificate field is reported first', async (t) => {
  const { leaf } = await hierarchy();
  t.is((await refusal({ chainPem: leaf.keyPem, keyPem: leaf.certificatePem })).check, 'certificate-pem');
  t.is((await refusal({ chainPem: leaf.certificatePem, keyPem: 'x' })).check, 'key-pem');
  const expiredElsewhere = await testCertificate({
    commonName: 'old',
    dns: ['old.example.org'],
    notBefore: new Date(0),
    notAfter: new Date(DAY_MS),
  });
  t.is((await refusal({ chainPem: expiredElsewhere.certificatePem, keyPem: pkcs8(ecKey()) })).check, 'key-mismatch');
  t.is(
    (await refusal({ chainPem: expiredElsewhere.certificatePem, keyPem: expiredElsewhere.keyPem })).check,
    'expired',
  );
});

test('a SHA-1 signature, an issuer out of its validity, or an unknown critical extension is refused', async (t) => {
  const { root, intermediate } = await hierarchy();
  const sha1 = await leafFrom(intermediate, { signatureHash: 'SHA-1' });
  await assertRefused(
    t,
    { chainPem: sha1.certificatePem + intermediate.certificatePem, keyPem: sha1.keyPem },
    'weak-signature',
    /signed with SHA-1.*SHA-256/,
  );

  const lapsed = await testCertificate({
    commonName: 'Lapsed Intermediate',
    ca: true,
    issuer: root,
    notBefore: new Date(now.getTime() - 400 * 86_400_000),
    notAfter: new Date(now.getTime() - 86_400_000),
  });
  const underLapsed = await leafFrom(lapsed);
  await assertRefused(
    t,
    { chainPem: underLapsed.certificatePem + lapsed.certificatePem, keyPem: underLapsed.keyPem },
    'issuer-not-valid',
    /Certificate 2 in the chain .*Lapsed Intermediate.* is valid only from/,
  );

  const odd = await leafFrom(intermediate, {
    extraExtensions: [new Extension('1.2.3.4.5', true, new Uint8Array([0x05, 0x00]))],
  });
  await assertRefused(
    t,
    { chainPem: odd.certificatePem + intermediate.certificatePem, keyPem: odd.keyPem },
    'not-a-server-certificate',
    /critical extensions browsers do not understand \(1\.2\.3\.4\.5\)/,
  );
});
