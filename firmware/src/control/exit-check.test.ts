import test, { type ExecutionContext } from 'ava';
import { createServer, type RequestListener, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { EXIT_CHECK_MAX_BODY_BYTES, fetchExitAddress, parseExitAddress, tunnelSource } from './exit-check.js';

test('the address is read from plain text or the usual JSON fields, and nothing else', (t) => {
  t.is(parseExitAddress('203.0.113.1\n'), '203.0.113.1');
  t.is(parseExitAddress('  2001:db8::1 '), '2001:db8::1');
  t.is(parseExitAddress('{"ip":"203.0.113.1"}'), '203.0.113.1');
  t.is(parseExitAddress('{"address":"203.0.113.2","ip":"nope"}'), '203.0.113.2');
  t.is(parseExitAddress('{"origin":"203.0.113.3, 198.51.100.9"}'), '203.0.113.3', "httpbin's origin: the first");
  t.is(parseExitAddress('{"status":"success","query":"203.0.113.4"}'), '203.0.113.4', "ip-api's query");
  t.is(parseExitAddress('<html>203.0.113.1</html>'), null);
  t.is(parseExitAddress('{"ip":42}'), null);
  t.is(parseExitAddress('["203.0.113.1"]'), null);
  t.is(parseExitAddress('203.0.113.1 and more'), null);
  t.is(parseExitAddress(''), null);
});

test("the check sends from the tunnel's first IPv4 address, else its IPv6 one", (t) => {
  const tunnel = (addresses: string[]) => ({ addresses }) as unknown as Parameters<typeof tunnelSource>[0];
  t.is(tunnelSource(tunnel(['fd96::2/128', '100.96.0.2/32'])), '100.96.0.2');
  t.is(tunnelSource(tunnel(['fd96::2/128'])), 'fd96::2');
  t.is(tunnelSource(null), null);
});

async function serve(t: ExecutionContext, listener: RequestListener): Promise<string> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip`;
}

const target = (url: string) => ({ url, source: '127.0.0.1', resolvers: [] });

test('a page answering the client address: the check reads it, sent from the given source', async (t) => {
  const url = await serve(t, (request, response) => {
    t.is(request.url, '/ip');
    response.end(`${request.socket.remoteAddress}\n`);
  });
  t.is(await fetchExitAddress(target(url)), '127.0.0.1');
});

test('a redirect is an error, not followed', async (t) => {
  let followed = false;
  const url = await serve(t, (request, response) => {
    if (request.url === '/elsewhere') {
      followed = true;
    }
    response.writeHead(302, { location: '/elsewhere' }).end();
  });
  await t.throwsAsync(fetchExitAddress(target(url)), { message: /redirect \(302\).*not followed/ });
  t.false(followed);
});

test('a page larger than 4 KiB, an error status, or no address: errors in words', async (t) => {
  const big = await serve(t, (_request, response) => response.end('1'.repeat(EXIT_CHECK_MAX_BODY_BYTES + 1)));
  await t.throwsAsync(fetchExitAddress(target(big)), { message: /larger than 4096 bytes/ });
  const missing = await serve(t, (_request, response) => response.writeHead(404).end('no'));
  await t.throwsAsync(fetchExitAddress(target(missing)), { message: /answered 404/ });
  const html = await serve(t, (_request, response) => response.end('<p>hello</p>'));
  await t.throwsAsync(fetchExitAddress(target(html)), { message: /did not answer an address/ });
});

test('a page that never answers gives up at the timeout', async (t) => {
  const url = await serve(t, () => undefined);
  const started = Date.now();
  await t.throwsAsync(fetchExitAddress(target(url), 300), { message: /no answer within 0.3 s/ });
  t.true(Date.now() - started < 2_000);
});

test('a host name with no tunnel resolvers is not looked up by the system resolver', async (t) => {
  await t.throwsAsync(fetchExitAddress(target('http://localhost/ip')), { message: /no resolvers/ });
});
