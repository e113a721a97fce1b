// 8. Network diagnostics: ping, a DNS lookup through the router's own resolver, and a tunnel handshake attempt.
import { type ConsoleContext, type MenuEntry } from '../context.js';

const TITLE = 'Network diagnostics';
const FALLBACK_PING_TARGET = '9.9.9.9';
const DEFAULT_NAME = 'example.com';

export const diagnostics: MenuEntry = {
  key: '8',
  label: 'Network diagnostics',
  async run(context) {
    const { ui } = context;
    const choice = await ui.choose(TITLE, [], ['Ping a host', 'Resolve a name (DNS)', 'Try a tunnel handshake']);
    const lines = await [ping, resolve, handshake][choice]!(context);
    await ui.show(TITLE, lines);
  },
};

async function ping({ ui, host }: ConsoleContext): Promise<string[]> {
  // Without a readable route the fallback target still tells whether the Internet answers.
  const gateway = await ui.working(TITLE, () => host.defaultGateway().catch(() => null));
  const target = await ui.text(TITLE, [], 'Host or address to ping', {
    defaultValue: gateway ?? FALLBACK_PING_TARGET,
  });
  return [`ping ${target}`, '', ...(await ui.working(TITLE, () => host.ping(target)))];
}

async function resolve({ ui, host, header }: ConsoleContext): Promise<string[]> {
  const name = await ui.text(TITLE, [], 'Name to resolve', { defaultValue: DEFAULT_NAME });
  // The router's own resolver (on its LAN address) is what the household's devices ask.
  const lan = header()?.lanAddresses[0]?.split('/')[0] ?? null;
  return [`Resolve ${name}`, '', ...(await ui.working(TITLE, () => host.resolve(name, lan)))];
}

async function handshake({ ui, backend }: ConsoleContext): Promise<string[]> {
  const outcome = await ui.working(TITLE, () => backend.tunnelHandshake());
  return [outcome.ok ? 'Handshake: OK' : 'Handshake: FAILED', '', ...outcome.lines];
}
