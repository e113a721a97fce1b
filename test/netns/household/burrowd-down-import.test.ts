// A change made while burrowd is down is saved, and applied when burrowd is back. burrowd starts as a new box (its
// board file), the real API runs in this process and gives it its state (kill switch on, no profile); then burrowd
// is stopped with SIGTERM, as an upgrade or a restart would. Its kill-switch table stays loaded, so the LAN stays
// blocked. The admin imports provider A through the API meanwhile: the API saves it (201) and says the change is
// pending (the Tunnel page words it "will be applied when the router's tunnel service answers"). burrowd is started
// again with the same data dir, socket and board file; the API's retry (every 5 s) hands it the new state, the
// tunnel comes up and a LAN device reaches the Internet host through VPN server A. The WAN capture over all of it
// holds nothing of the LAN outside the tunnel.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { rulesetFingerprint } from '@burrow/firmware/os/nft-ruleset';
import { TOOLS } from '@burrow/scripts/lab/tools';
import { startInProcessApi, type InProcessApi } from '../../medium/api/in-process-api.js';
import { call, setupAdmin, type Session } from '../../medium/api/session-client.js';
import { Gateway, householdSkipReason } from './fixture.js';
import { tunnelFilter, VPN_ENDPOINTS, wanFilters } from './leaks.js';
import { eventually } from './poll.js';

/** The brief's bound: the API retries every 5 s, so its state is in force this soon after burrowd answers. */
const APPLIED_AFTER_RESTART_MS = 15_000;
/** Then the first handshake and a request through it. */
const TUNNEL_AFTER_APPLY_MS = 20_000;
const LEASE_TIMEOUT_MS = 30_000;
const CURL = '/usr/bin/curl';
/** curl's exit codes when a request is blocked: no name (6), the way out refused (7), no answer in time (28). */
const CURL_BLOCKED = [6, 7, 28];

const skipReason = await householdSkipReason();
const declare = skipReason === undefined ? test.serial : test.serial.skip;

const cleanups: Array<() => Promise<void>> = [];

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error: unknown) => console.warn(`cleanup failed: ${(error as Error).message}`));
  }
});

interface GatewayBody {
  reachable: boolean;
  sync: { state: string; detail: string | null; at: string | null };
  tunnel: { state: string; profileName: string | null };
}

declare('a profile imported while burrowd is down is applied when burrowd is back', async (t) => {
  const started = Date.now();
  const box = await Gateway.startWithBoard((stop) => cleanups.push(stop));
  const { lab, record } = box;
  const [device] = box.lanDevices;
  const [serverA] = record.vpnServers;
  const { web, webName, webUrl } = record.internetHost;
  try {
    const api: InProcessApi = await startInProcessApi({ firmwareSocket: box.socket });
    cleanups.push(() => api.close());
    const admin: Session = await setupAdmin(api);
    const gatewayStatus = async (): Promise<GatewayBody> => {
      const reply = await call<GatewayBody>(api, '/api/gateway', { session: admin });
      t.is(reply.status, 200, `GET /api/gateway: ${JSON.stringify(reply.body)}`);
      return reply.body;
    };
    await eventually('the API applying its first state', 10_000, async () =>
      (await gatewayStatus()).sync.state === 'applied' ? true : undefined,
    );
    await lab.dhcp(device, LEASE_TIMEOUT_MS);
    t.log(`lab, burrowd and API up, the first state applied, ${device} has a lease: ${Date.now() - started} ms`);
    const loaded = (await box.status()).firewall.loaded;
    t.not(loaded, null, 'the kill-switch table is loaded');

    const capture = await box.captureWan('import-while-burrowd-is-down');
    t.is(await box.burrowd.stop('SIGTERM'), 0, 'burrowd stops cleanly on SIGTERM');
    const stopped = Date.now();

    // Nobody runs the router now: the kernel holds the kill switch, and the LAN has no way out.
    const table = (await lab.exec(box.router, [TOOLS.nft, '-s', 'list', 'table', 'inet', 'burrow'])).stdout;
    t.is(rulesetFingerprint(table), loaded, 'the kill-switch table stays loaded as burrowd left it');
    const curl = (timeoutSeconds: number, extra: readonly string[] = []) =>
      lab.exec(device, [CURL, '--silent', '--show-error', '--max-time', String(timeoutSeconds), ...extra, webUrl], {
        okExitCodes: CURL_BLOCKED,
      });
    for (const [how, extra] of [
      ['by name', []],
      ['by address', ['--resolve', `${webName}:80:${web}`]],
    ] as const) {
      const attempt = await curl(3, extra);
      t.true(CURL_BLOCKED.includes(attempt.code), `curl ${how} with burrowd down: exit ${attempt.code}`);
    }

    // The API's status hub answers one-off reads from a report up to 2 s old: within that, it sees burrowd gone.
    const down = await eventually('the API seeing that burrowd does not answer', 5_000, async () => {
      const status = await gatewayStatus();
      return status.reachable ? undefined : status;
    });
    t.false(down.reachable, 'the API sees that burrowd does not answer');
    const importing = Date.now();
    const reply = await call<{ tunnel: { id: number; name: string } }>(api, '/api/tunnels', {
      method: 'POST',
      session: admin,
      body: { name: 'Lab server A', config: await readFile(serverA!.client.configFile, 'utf8') },
    });
    t.is(reply.status, 201, `importing provider-a.conf with burrowd down: ${JSON.stringify(reply.body)}`);
    t.log(`POST /api/tunnels with burrowd down answered ${reply.status} in ${Date.now() - importing} ms`);
    const pending = await gatewayStatus();
    t.is(pending.sync.state, 'pending', `the change waits for burrowd: ${JSON.stringify(pending.sync)}`);
    t.not(pending.sync.detail, null, 'and says why');
    const listed = await call<Array<{ name: string }>>(api, '/api/tunnels', { session: admin });
    t.deepEqual(
      listed.body.map((tunnel) => tunnel.name),
      ['Lab server A'],
      'the profile is saved',
    );
    // The API offers it again every 5 s; while nobody answers it stays pending, and nothing on the LAN changes.
    const retried = await eventually('the API offering the change again', 10_000, async () => {
      const body = await gatewayStatus();
      return body.sync.at !== pending.sync.at ? body : undefined;
    });
    t.is(retried.sync.state, 'pending', `still pending after a retry: ${JSON.stringify(retried.sync)}`);
    const stillBlocked = await curl(2, ['--resolve', `${webName}:80:${web}`]);
    t.true(CURL_BLOCKED.includes(stillBlocked.code), `curl with the profile saved, burrowd down: ${stillBlocked.code}`);

    box.startBurrowd();
    await box.waitForBurrowd();
    const back = Date.now();
    t.log(`burrowd answers again ${back - stopped} ms after it was stopped`);
    const applied = await eventually('the API applying the saved change', APPLIED_AFTER_RESTART_MS, async () => {
      const body = await gatewayStatus();
      return body.sync.state === 'applied' ? body : undefined;
    });
    t.log(`the API's state was in force ${Date.now() - back} ms after burrowd answered (limit 15 s)`);
    t.true(applied.reachable);

    const reached = await eventually(`${device}'s curl ${webUrl} answering`, TUNNEL_AFTER_APPLY_MS, async () => {
      const attempt = await curl(2);
      return attempt.code === 0 ? attempt.stdout.trim() : undefined;
    });
    t.is(reached, serverA!.address, 'the Internet host sees VPN server A');
    t.log(`${device} reached ${webUrl} through server A ${Date.now() - back} ms after burrowd answered`);
    const up = await eventually('GET /api/gateway showing the tunnel up', 12_000, async () => {
      const body = await gatewayStatus();
      return body.tunnel.state === 'up' ? body : undefined;
    });
    t.is(up.tunnel.profileName, 'Lab server A');

    await capture.stop();
    const wan = record.router.wanAddress.split('/')[0]!;
    const filters = wanFilters(capture, tunnelFilter([VPN_ENDPOINTS.a]));
    for (const [kind, filter] of [
      ['LAN address', filters.lanAddresses],
      ['plain web', filters.web],
      // Sent by the router: what the Internet sends it is dropped by its firewall, and is no LAN packet.
      ['other', `(${filters.other}) and not dst host ${wan}`],
    ] as const) {
      const { count, sample } = await capture.describe(filter);
      t.is(count, 0, `burrowd down, then back: ${count} ${kind} packet(s) on the WAN:\n${sample}`);
    }
    t.log(`whole test: ${Date.now() - started} ms`);
  } catch (error) {
    t.log(await box.burrowd.describe());
    throw error;
  }
});
