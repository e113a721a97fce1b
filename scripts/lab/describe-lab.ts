// The lab described for a person: what `lab up` and `lab status` print, and what `make run` can print too.
import { type LabRecord } from './lab-record.js';

export function describeLab(record: LabRecord): string {
  const { namespaces, internetHost: web, router, phone } = record;
  const lanDevices = record.lanDevices.map(
    (device) => `    ${device.namespace.padEnd(28)} ${device.interface} (${device.mac}) ↔ router ${device.routerPort}`,
  );
  return [
    'Household lab',
    `  internet  ${namespaces.internet}`,
    `    ISP gateway      ${router.gateway}  ${router.gatewayIpv6}`,
    `    web (whoami)     ${web.web}  ${web.webIpv6}  http://${web.webName}/`,
    `    DNS              ${web.dns}  ${web.dnsIpv6}  zone ${web.zone}`,
    ...record.vpnServers.flatMap((server) => [
      `    VPN server ${server.name.toUpperCase()}     ${server.endpoint} (${server.endpointName})  tunnel ${server.tunnelAddress} ${server.tunnelAddressIpv6}  ${server.interface}`,
      `                     public key ${server.publicKey}`,
    ]),
    `  router    ${namespaces.router}`,
    `    WAN ${router.wanInterface}         ${router.wanAddress}  ${router.wanAddressIpv6}`,
    `    LAN ${router.lanInterface}       ${router.lanAddress}  ${router.lanIpv6Prefix}  ports ${router.lanPorts.join(', ')} (for burrowd)`,
    `    DHCP range       ${router.dhcpRange.start}–${router.dhcpRange.end}`,
    `    tunnel           ${router.tunnelInterface}  ${record.vpnServers.map((server) => `${server.name.toUpperCase()} ${server.client.addresses.ipv4} ${server.client.addresses.ipv6}`).join(', ')}`,
    '  LAN devices',
    ...lanDevices,
    `  phone     ${phone.namespace}  (on the Internet side, for remote access)`,
    `    ${phone.interface}             ${phone.address} via ${phone.gateway}  WireGuard ${phone.wireguardInterface} once \`lab phone <file.conf>\` loads a device`,
    `  logs      ${record.files.logDir}`,
    '',
    'A shell on a LAN device:',
    ...namespaces.lan.map((ns) => `  ${shellHint(ns)}`),
  ].join('\n');
}

/** How a person opens a shell inside a lab namespace. */
export function shellHint(ns: string): string {
  return `sudo ip netns exec ${ns} bash`;
}
