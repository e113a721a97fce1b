import test from 'ava';
import { judgeProbe, parseProbeCounters, pickProbeAddress, renderProbeTable } from './leak-probe.js';

const DHCP = { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' };

test('the probe takes the highest free LAN address outside the DHCP range, never the router or a taken one', (t) => {
  t.is(pickProbeAddress('100.64.8.1/24', DHCP, []), '100.64.8.254');
  t.is(pickProbeAddress('100.64.8.1/24', DHCP, ['100.64.8.254', '100.64.8.253']), '100.64.8.252');
  t.is(pickProbeAddress('100.64.8.254/24', DHCP, []), '100.64.8.253', "not the router's own address");
  const everythingAbove = Array.from({ length: 55 }, (_, index) => `100.64.8.${200 + index}`);
  t.is(pickProbeAddress('100.64.8.1/24', DHCP, everythingAbove), '100.64.8.99', 'below the range when above is full');
  t.is(pickProbeAddress('192.0.2.1/30', { rangeStart: '192.0.2.2', rangeEnd: '192.0.2.2' }, []), null, 'no room');
  t.is(pickProbeAddress('fd08::1/64', DHCP, []), null, 'IPv4 only');
});

test('the counting table matches the probe from the LAN and towards the WAN, and drops only the counted probe', (t) => {
  const text = renderProbeTable({ lan: 'br-lan', wan: 'wan0', source: '100.64.8.254', port: 50000 });
  t.regex(text, /^table inet burrow_leakprobe \{/);
  t.regex(
    text,
    /hook prerouting priority raw; policy accept;\n\t\tiifname "br-lan" ip saddr 100\.64\.8\.254 udp dport 50000 counter comment "arrived"/,
  );
  t.regex(
    text,
    /hook postrouting priority filter; policy accept;\n\t\toifname "wan0" ip saddr 100\.64\.8\.254 udp dport 50000 counter drop comment "left"/,
  );
  t.is(text.match(/drop/g)?.length, 1, 'it drops only the probe, once counted at the WAN');
  t.notRegex(text, /reject|policy drop|table inet burrow \{/);
});

const LISTING = `table inet burrow_leakprobe {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname "br-lan" ip saddr 100.64.8.254 udp dport 50000 counter packets 5 bytes 225 comment "arrived"
	}
	chain postrouting {
		type filter hook postrouting priority filter; policy accept;
		oifname "wan0" ip saddr 100.64.8.254 udp dport 50000 counter packets LEFT bytes 0 drop comment "left"
	}
}`;

test('the counters are read back from the listing; a missing one is no answer', (t) => {
  t.deepEqual(parseProbeCounters(LISTING.replace('LEFT', '0')), { arrived: 5, left: 0 });
  t.deepEqual(parseProbeCounters(LISTING.replace('LEFT', '3')), { arrived: 5, left: 3 });
  t.is(parseProbeCounters(LISTING.split('chain postrouting')[0]!), null);
});

test('pass only when the probe arrived and nothing left; a leak and a probe that never arrived fail', (t) => {
  t.like(judgeProbe({ arrived: 5, left: 0 }, 5, 'wan0'), {
    pass: true,
    details: '5 packets from a LAN address, routed to the WAN as if the tunnel were gone, were all dropped',
  });
  const leak = judgeProbe({ arrived: 5, left: 5 }, 5, 'wan0');
  t.false(leak.pass);
  t.regex(leak.details, /^a LAN packet left through wan0/);
  const vacuous = judgeProbe({ arrived: 0, left: 0 }, 5, 'wan0');
  t.false(vacuous.pass);
  t.regex(vacuous.details, /none of the 5 probe packets reached the router/);
});
