/** What each of burrowd's self-test checks proves, in the page's words; an unknown one shows by its name. */
const CHECK_TITLES: Readonly<Record<string, string>> = {
  ruleset: 'Kill-switch rules loaded as set',
  handshake: 'Tunnel has a fresh handshake',
  'no-bypass': 'LAN traffic goes through the tunnel or nowhere',
  dns: 'DNS goes through the tunnel',
  ipv6: 'IPv6 goes through the tunnel or nowhere',
};

export function selfTestCheckTitle(name: string): string {
  return CHECK_TITLES[name] ?? name;
}
