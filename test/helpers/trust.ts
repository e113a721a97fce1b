// Lets this test process's fetch() trust the CAs of the Burrow servers it started, and nothing else: each
// server makes its own CA on first boot, just as a real router does.
import { Agent, setGlobalDispatcher } from 'undici';

const trusted = new Set<string>();

/** Adds `caPem` to the CAs fetch() accepts for the rest of this process (one ava worker). */
export function trustForFetch(caPem: string): void {
  if (trusted.has(caPem)) {
    return;
  }
  trusted.add(caPem);
  // The built-in fetch() uses whatever dispatcher is installed globally; undici 6 matches Node 20's own.
  setGlobalDispatcher(new Agent({ connect: { ca: [...trusted] } }));
}
