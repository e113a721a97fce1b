// The household lab's network targets, shared by netlink-plan.test.ts (the plan as a table) and netlink.test.ts
// (the same against the kernel): WAN eth0, LAN port lan0 in br-lan with 100.64.8.1/24 and fd08::1/64, and a
// dual-stack tunnel (100.96.0.2, fd96::2) routing all of both families.
import { parseDesiredState, type DesiredStateInput } from '../../control/desired-state.js';
import { renderNetworkTargets, type NetworkTargets } from '../network-targets.js';

export function labTargets(
  overrides: Partial<DesiredStateInput> = {},
  tunnelName = 'wg0',
  dns: readonly string[] = ['100.96.0.1'],
): NetworkTargets {
  const result = parseDesiredState({
    version: 1,
    wan: { interface: 'eth0' },
    lan: {
      ports: ['lan0'],
      address: '100.64.8.1/24',
      ipv6Prefix: 'fd08::1/64',
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
    },
    tunnel: {
      interface: tunnelName,
      privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
      addresses: ['100.96.0.2/32', 'fd96::2/128'],
      dns,
      peers: [
        {
          publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
          endpoint: '203.0.113.1:51820',
          allowedIps: ['0.0.0.0/0', '::/0'],
        },
      ],
    },
    ...overrides,
  });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return renderNetworkTargets(result.state);
}
