// The reconciler's order, its latest-wins queue, refusal of malformed states and roll-back, over a recording
// implementation of its steps (the real steps are exercised in the household lab).
import test from 'ava';
import { type DesiredState, parseDesiredState } from './desired-state.js';
import { type ApplySteps, Reconciler } from './reconciler.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function stateWith(lanAddress: string): DesiredState {
  const parsed = parseDesiredState({
    version: 1,
    wan: { interface: 'wan0' },
    lan: {
      ports: ['lan1p'],
      address: `${lanAddress}/24`,
      dhcp: { rangeStart: lanAddress.replace(/\.1$/, '.100'), rangeEnd: lanAddress.replace(/\.1$/, '.199') },
    },
    tunnel: {
      privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
      addresses: ['100.96.0.2/32'],
      dns: ['100.96.0.1'],
      peers: [
        {
          publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
          endpoint: '203.0.113.1:51820',
          allowedIps: ['0.0.0.0/0'],
        },
      ],
    },
  });
  if (!parsed.ok) {
    throw new Error(parsed.errors.join('; '));
  }
  return parsed.state;
}

/** Records every step with the LAN address of the state it was given; can hold a step open or make one fail. */
class RecordingSteps implements ApplySteps {
  readonly calls: string[] = [];
  failOn: { step: string; lan: string } | null = null;
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
    this.gate = null;
  }
  private async record(step: string, state: DesiredState): Promise<void> {
    this.calls.push(`${step} ${state.lan.address}`);
    if (step === 'firewall' && this.gate) {
      await this.gate;
    }
    if (this.failOn?.step === step && state.lan.address === this.failOn.lan) {
      throw new Error(`${step} failed`);
    }
  }
  resolve = async (state: DesiredState) => {
    await this.record('resolve', state);
    return null;
  };
  firewall = (state: DesiredState) => this.record('firewall', state);
  engine = (state: DesiredState) => this.record('engine', state);
  network = (state: DesiredState) => this.record('network', state);
  lanServices = (state: DesiredState) => this.record('lan', state);
  firstBoot = () => {
    this.calls.push('first boot');
    return Promise.resolve();
  };
}

function setUp() {
  const steps = new RecordingSteps();
  const persisted: DesiredState[] = [];
  const persist = (state: DesiredState) => {
    persisted.push(state);
    return Promise.resolve();
  };
  return { steps, persisted, reconciler: new Reconciler(steps, persist, quiet) };
}

test('applies in order: resolve, firewall, engine, network, LAN services; then persists', async (t) => {
  const { steps, persisted, reconciler } = setUp();
  const outcome = await reconciler.submit(stateWith('100.64.8.1'));
  t.true(outcome.ok);
  t.deepEqual(
    steps.calls,
    ['resolve', 'firewall', 'engine', 'network', 'lan'].map((s) => `${s} 100.64.8.1/24`),
  );
  t.is(persisted.at(-1)?.lan.address, '100.64.8.1/24');
});

test('a malformed state is refused with the field named, and the state in force stays', async (t) => {
  const { steps, reconciler } = setUp();
  await reconciler.submit(stateWith('100.64.8.1'));
  steps.calls.length = 0;
  const outcome = await reconciler.submit({ version: 1, wan: { interface: 'wan 0' } });
  t.false(outcome.ok);
  t.true(!outcome.ok && outcome.errors.some((error) => error.startsWith('wan.interface')));
  t.deepEqual(steps.calls, []);
  t.is(reconciler.current?.lan.address, '100.64.8.1/24');
});

test('states submitted during an apply are never lost: the newest one runs next and answers them all', async (t) => {
  const { steps, reconciler } = setUp();
  steps.hold();
  const first = reconciler.submit(stateWith('100.64.1.1'));
  await new Promise((resolve) => setImmediate(resolve));
  const second = reconciler.submit(stateWith('100.64.2.1'));
  const third = reconciler.submit(stateWith('100.64.3.1'));
  steps.open();
  const outcomes = await Promise.all([first, second, third]);
  t.true(outcomes.every((outcome) => outcome.ok));
  t.is(outcomes[1].generation, outcomes[2].generation, 'the replaced state is answered by the newest');
  t.false(
    steps.calls.some((call) => call.includes('100.64.2.1')),
    'the replaced state never ran',
  );
  t.is(reconciler.current?.lan.address, '100.64.3.1/24');
});

test('a failure half-way rolls back to the state in force, which stays persisted', async (t) => {
  const { steps, persisted, reconciler } = setUp();
  await reconciler.submit(stateWith('100.64.1.1'));
  steps.calls.length = 0;
  steps.failOn = { step: 'network', lan: '100.64.2.1/24' };
  const outcome = await reconciler.submit(stateWith('100.64.2.1'));
  t.deepEqual(outcome.ok ? null : outcome.errors, ['network failed']);
  t.true(!outcome.ok && outcome.rolledBack);
  t.deepEqual(
    steps.calls.slice(-5),
    ['resolve', 'firewall', 'engine', 'network', 'lan'].map((s) => `${s} 100.64.1.1/24`),
  );
  t.is(reconciler.current?.lan.address, '100.64.1.1/24');
  t.deepEqual(
    persisted.map((state) => state.lan.address),
    ['100.64.1.1/24'],
    'the failed state was never persisted',
  );
});

test('a re-apply asked for during an apply repeats the newest state, never the older one in force', async (t) => {
  const { steps, reconciler } = setUp();
  await reconciler.submit(stateWith('100.64.1.1'));
  steps.calls.length = 0;
  steps.hold();
  const newer = reconciler.submit(stateWith('100.64.2.1'));
  await new Promise((resolve) => setImmediate(resolve));
  const again = reconciler.reapply();
  steps.open();
  await Promise.all([newer, again]);
  t.is(reconciler.current?.lan.address, '100.64.2.1/24');
  t.false(
    steps.calls.some((call) => call.includes('100.64.1.1')),
    'the old state was not applied again',
  );
  t.is(steps.calls.filter((call) => call.startsWith('firewall')).length, 2, 'the newest state ran twice');
});

test('a reset waits for the apply under way, leaves nothing in force, and nothing is applied again', async (t) => {
  const { steps, persisted, reconciler } = setUp();
  steps.hold();
  const applying = reconciler.submit(stateWith('100.64.1.1'));
  await new Promise((resolve) => setImmediate(resolve));
  const reset = reconciler.reset();
  t.is(reconciler.reapply(), null, 'an engine restart during the reset applies nothing');
  steps.open();
  t.true((await applying).ok);
  t.true((await reset).ok);
  t.is(steps.calls.at(-1), 'first boot', 'after the apply that was under way');
  t.is(reconciler.current, null);
  t.is(reconciler.reapply(), null, 'no state in force to apply again');
  t.is(persisted.length, 1, 'a reset persists nothing');
  t.true((await reconciler.submit(stateWith('100.64.2.1'))).ok, 'the next state applies as usual');
  t.is(reconciler.current?.lan.address, '100.64.2.1/24');
});

test('an apply under way counts as busy (for the watchdog) from its start until it ends', async (t) => {
  const { steps, reconciler } = setUp();
  t.is(reconciler.busyForMs(), 0);
  steps.hold();
  const started = performance.now();
  const outcome = reconciler.submit(stateWith('100.64.1.1'));
  await new Promise((resolve) => setImmediate(resolve));
  t.true(reconciler.busyForMs(started + 60_000) >= 59_000, 'a held apply is busy for as long as it is held');
  steps.open();
  await outcome;
  t.is(reconciler.busyForMs(started + 60_000), 0);
});
