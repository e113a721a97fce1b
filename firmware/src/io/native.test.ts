import test from 'ava';
import { loadAddon, loadAeadAddon, loadSockAddon, loadTunAddon, loadUdpAddon, type TunAddon } from './native.js';

test('a missing addon fails with a message that says how to build it', (t) => {
  const error = t.throws(() => loadAddon<TunAddon>('burrow_missing'));
  t.regex(error?.message ?? '', /burrow_missing is not built/);
  t.regex(error?.message ?? '', /native\/build\/Release\/burrow_missing\.node/);
  t.regex(error?.message ?? '', /npm rebuild -w @burrow\/firmware/);
});

test('the built addons load once and export their functions', (t) => {
  const tun = loadTunAddon();
  t.is(loadTunAddon(), tun);
  t.deepEqual(Object.keys(tun).sort(), ['close', 'coalesce', 'mtu', 'open', 'split', 'start', 'write', 'writeStats']);
  t.deepEqual(Object.keys(loadUdpAddon()).sort(), ['close', 'getMark', 'open', 'send', 'setMark', 'start', 'stats']);
  t.deepEqual(Object.keys(loadSockAddon()).sort(), ['peerCredentials', 'sdNotify']);
  t.deepEqual(Object.keys(loadAeadAddon()).sort(), ['createKey', 'destroyKey', 'open', 'seal']);
});

test('sdNotify refuses an address it cannot send to before making a socket, and names the errno after', (t) => {
  const sock = loadSockAddon();
  t.throws(() => sock.sdNotify('run/notify', 'READY=1'), {
    instanceOf: TypeError,
    message: /absolute path or start with @/,
  });
  t.throws(() => sock.sdNotify('@', 'READY=1'), { instanceOf: TypeError, message: /name after the @/ });
  t.throws(() => sock.sdNotify(`/${'n'.repeat(120)}`, 'READY=1'), { instanceOf: RangeError });
  t.throws(() => sock.sdNotify('/run/notify\0x', 'READY=1'), { instanceOf: TypeError, message: /NUL/ });
  t.throws(() => sock.sdNotify('/nonexistent-burrow-dir/notify', 'READY=1'), {
    message: /^sendto \/nonexistent-burrow-dir\/notify: ENOENT/,
  });
  t.throws(() => sock.sdNotify('@burrow-nobody-listens-here', 'READY=1'), { message: /ECONNREFUSED/ });
});

test('the addons check their arguments before touching the kernel', (t) => {
  const udp = loadUdpAddon();
  t.throws(() => udp.open(70000, null, true, true), { instanceOf: RangeError });
  t.throws(() => udp.open(0.5, null, true, true), { instanceOf: RangeError });
  t.throws(() => udp.open(0, null, 1 as unknown as boolean, true), { instanceOf: TypeError, message: /gso/ });
  const { handle } = udp.open(0, null, true, true);
  t.teardown(() => udp.close(handle));
  const data = new Uint8Array(8);
  const address = Uint8Array.of(127, 0, 0, 1);
  // A packet that lies outside its buffer is refused whole, before anything is sent.
  t.throws(() => udp.send(handle, data, Uint32Array.of(4), Uint32Array.of(5), 1, 4, address, 9), {
    instanceOf: RangeError,
    message: /outside its data buffer/,
  });
  t.throws(() => udp.send(handle, data, Uint32Array.of(0), Uint32Array.of(1), 2, 4, address, 9), {
    instanceOf: RangeError,
  });
  t.throws(() => udp.send(handle, data, Uint32Array.of(0), Uint32Array.of(1), 1, 6, address, 9), {
    instanceOf: RangeError,
  });
  t.throws(() => udp.send(handle, data, new Uint32Array(1), new Uint32Array(1), 1, 4, address, 0), {
    instanceOf: RangeError,
  });
  t.throws(
    () =>
      udp.send(
        handle,
        data as unknown as Uint8Array,
        new Uint16Array(1) as unknown as Uint32Array,
        new Uint32Array(1),
        1,
        4,
        address,
        9,
      ),
    { instanceOf: TypeError, message: /offsets has the wrong type/ },
  );
  t.throws(() => udp.getMark({} as typeof handle), { instanceOf: TypeError, message: /not a handle/ });
  udp.close(handle);
  t.throws(() => udp.getMark(handle), { message: /EBADF/ });
  t.notThrows(() => udp.close(handle));
});
