import type { SelfTestTrigger } from '$lib/api/types';

/** What each of burrowd's self-test checks proves, in the page's words; an unknown one shows by its name. */
const CHECK_TITLES: Readonly<Record<string, string>> = {
  ruleset: 'Kill-switch rules loaded as set',
  handshake: 'Tunnel has a fresh handshake',
  'no-bypass': 'LAN traffic goes through the tunnel or nowhere',
  dns: 'DNS goes through the tunnel',
  ipv6: 'IPv6 goes through the tunnel or nowhere',
  'leak-probe': 'Leak probe: nothing from the LAN leaves unencrypted',
};

/** Why the self-test ran, after "Last run …". */
const TRIGGER_WORDS: Readonly<Record<SelfTestTrigger, string>> = {
  change: 'by itself after a change',
  failover: 'by itself after a failover',
  request: 'when asked',
};

export function selfTestTriggerWords(trigger: SelfTestTrigger): string {
  return TRIGGER_WORDS[trigger];
}

export function selfTestCheckTitle(name: string): string {
  return CHECK_TITLES[name] ?? name;
}
