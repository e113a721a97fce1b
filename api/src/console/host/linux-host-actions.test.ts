// The argv each host action runs, through a recording executor: nothing reaches a command unvalidated.
import test from 'ava';
import { type ExecOptions, type ExecResult, type Executor } from '@burrow/firmware/os/exec';
import { HostActionError } from './host-actions.js';
import { LinuxHostActions } from './linux-host-actions.js';

class ScriptedExecutor implements Executor {
  readonly calls: string[][] = [];

  constructor(private readonly stdout: (argv: readonly string[]) => string = () => '') {}

  run(argv: readonly string[], _options?: ExecOptions): Promise<ExecResult> {
    this.calls.push([...argv]);
    return Promise.resolve({ stdout: this.stdout(argv), stderr: '', code: 0 });
  }
}

test('ping runs three pings by argv, the host after "--"', async (t) => {
  const exec = new ScriptedExecutor(() => '3 packets transmitted, 3 received\n\n');
  const host = new LinuxHostActions(exec);
  t.deepEqual(await host.ping('9.9.9.9'), ['3 packets transmitted, 3 received']);
  t.deepEqual(exec.calls, [['ping', '-c', '3', '-W', '2', '--', '9.9.9.9']]);
});

test('ping and resolve refuse anything but a host name or an address, before running anything', async (t) => {
  const exec = new ScriptedExecutor();
  const host = new LinuxHostActions(exec);
  for (const value of ['-f', 'a b', '$(reboot)', '']) {
    await t.throwsAsync(host.ping(value), { instanceOf: HostActionError });
    await t.throwsAsync(host.resolve(value, null), { instanceOf: HostActionError });
  }
  await t.throwsAsync(host.resolve('example.com', 'not-an-address'), { instanceOf: HostActionError });
  t.deepEqual(exec.calls, []);
});

test('the default gateway is read from ip -j, IPv4 first', async (t) => {
  const exec = new ScriptedExecutor((argv) =>
    argv.includes('-4') ? '[{"dst":"default","gateway":"192.0.2.1","dev":"wan0"}]' : '[]',
  );
  t.is(await new LinuxHostActions(exec).defaultGateway(), '192.0.2.1');
  const none = new ScriptedExecutor(() => '[]');
  t.is(await new LinuxHostActions(none).defaultGateway(), null);
  t.is(none.calls.length, 2);
});

test('only device nodes are mounted, and only what the console mounted is unmounted', async (t) => {
  const exec = new ScriptedExecutor();
  const host = new LinuxHostActions(exec);
  await t.throwsAsync(host.mountReadOnly('/etc/passwd'), { instanceOf: HostActionError });
  await t.throwsAsync(host.mountReadOnly('/dev/../etc/passwd'), { instanceOf: HostActionError });
  await t.throwsAsync(host.mountReadOnly('-o'), { instanceOf: HostActionError });
  await t.throwsAsync(host.unmount('/'), { message: /did not mount/ });
  t.deepEqual(exec.calls, []);

  const dir = await host.mountReadOnly('/dev/sda1');
  t.deepEqual(exec.calls, [['mount', '-o', 'ro,nosuid,nodev,noexec', '--', '/dev/sda1', dir]]);
  await host.unmount(dir);
  t.deepEqual(exec.calls[1], ['umount', '--', dir]);
  await t.throwsAsync(host.unmount(dir), { message: /did not mount/ });
});
