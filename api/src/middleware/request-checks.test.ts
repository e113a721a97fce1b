import test from 'ava';
import { isOwnOrigin } from './request-checks.js';

const site = { dns: ['burrow.lan', 'localhost', '*.example.net'], ips: ['192.168.1.1', 'fd00::1'], ports: [8443] };

test('our origin: https, one of our names or addresses, our port', (t) => {
  for (const origin of [
    'https://burrow.lan:8443',
    'https://BURROW.lan:8443',
    'https://router.example.net:8443',
    'https://192.168.1.1:8443',
    'https://[fd00::1]:8443',
  ]) {
    t.true(isOwnOrigin(origin, site), origin);
  }
  t.true(isOwnOrigin('https://burrow.lan', { ...site, ports: [443] }));
});

test('anything else is another site', (t) => {
  for (const origin of [
    'null',
    '',
    'https://evil.example:8443',
    'http://burrow.lan:8443',
    'https://burrow.lan',
    'https://burrow.lan:1',
    'https://burrow.lan.evil.example:8443',
    'https://a.b.example.net:8443',
    'https://192.168.1.2:8443',
    'https://user@burrow.lan:8443',
    'https://burrow.lan:8443/path',
  ]) {
    t.false(isOwnOrigin(origin, site), origin);
  }
});
