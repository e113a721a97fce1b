// A desired state with remote access for the renderer tests: the household lab's LAN and tunnel, and wg1 with one
// device that reaches the LAN only and one that reaches the Internet through the tunnel.
import { parseDesiredState, type DesiredState, type DesiredStateInput } from '../../control/desired-state.js';

export const ROUTER_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
export const SERVER_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
export const PHONE_KEY = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';
export const LAPTOP_KEY = 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=';

export const REMOTE: NonNullable<DesiredStateInput['remoteAccess']> = {
  interface: 'wg1',
  listenPort: 51821,
  privateKey: ROUTER_KEY,
  addresses: ['10.99.0.1/24', 'fd99::1/64'],
  peers: [
    { id: 1, publicKey: PHONE_KEY, allowedIps: ['10.99.0.2/32', 'fd99::2/128'], reach: 'lan' },
    { id: 2, publicKey: LAPTOP_KEY, allowedIps: ['10.99.0.3/32', 'fd99::3/128'], reach: 'internet' },
  ],
};

export function remoteState(changes: Partial<DesiredStateInput> = {}): DesiredState {
  const result = parseDesiredState({
    version: 1,
    wan: { interface: 'eth0' },
    lan: {
      ports: ['eth1'],
      address: '100.64.8.1/24',
      ipv6Prefix: 'fd08::1/64',
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
    },
    tunnel: {
      privateKey: ROUTER_KEY,
      addresses: ['100.96.0.2/32', 'fd96::2/128'],
      dns: ['100.96.0.1'],
      peers: [{ publicKey: SERVER_KEY, endpoint: '203.0.113.1:51820', allowedIps: ['0.0.0.0/0', '::/0'] }],
    },
    remoteAccess: REMOTE,
    ...changes,
  });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return result.state;
}
