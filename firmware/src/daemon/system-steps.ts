// The reconciler's steps on a real system: nft, the engine over UAPI, ip(8) and /proc/sys, dnsmasq.
import { type DesiredState } from '../control/desired-state.js';
import {
  engineChange,
  type ResolvedEndpoints,
  resolveEndpoints,
  type Resolver,
  systemResolver,
} from '../control/engine-config.js';
import { type ApplySteps } from '../control/reconciler.js';
import { type RemoteAccessState } from '../control/household-state.js';
import { remoteEngineChange } from '../control/remote-engine-config.js';
import { DeviceByteTotals } from '../os/device-counters.js';
import { type Dnsmasq } from '../os/dnsmasq.js';
import { type Executor } from '../os/exec.js';
import { applyNetworkTargets } from '../os/netlink.js';
import { renderNetworkTargets } from '../os/network-targets.js';
import { applyRuleset, type LoadedRuleset } from '../os/nft-apply.js';
import { renderRuleset } from '../os/nft-ruleset.js';
import { applySysctls } from '../os/sysctl.js';
import { type EngineManager } from './engine-manager.js';
import { type StandbyProfiles } from './gateway.js';

export class SystemSteps implements ApplySteps {
  /** The kill-switch table burrowd loaded last, for the self-test. */
  loadedRuleset: LoadedRuleset | null = null;
  /** Endpoints of upstream profiles that are not in force: the engine may reach them too (background checks). */
  standby: StandbyProfiles = { endpoints: [], resolvers: [] };
  /** The remote-access engine (the router as the household's WireGuard server), when burrowd runs one. */
  remoteEngine: EngineManager | null = null;
  /** Told the remote access just given to its engine (null: none), to arm the next expiry. */
  onRemoteApplied: ((remote: RemoteAccessState | null, appliedAt: Date) => void) | null = null;
  /** The LAN devices' byte counts of the tables this burrowd replaced: each apply starts the kernel's sets anew. */
  readonly deviceBytes = new DeviceByteTotals();

  constructor(
    private readonly executor: Executor,
    private readonly engineManager: EngineManager,
    private readonly dnsmasq: Dnsmasq,
    private readonly warn: (message: string) => void,
    private readonly resolver: Resolver = systemResolver,
  ) {}

  /** The block-all-forwarding table, applied first at start before anything else can open. */
  async closeForwarding(): Promise<void> {
    this.loadedRuleset = await this.deviceBytes.replacing(this.executor, () =>
      applyRuleset(this.executor, renderRuleset(null)),
    );
  }

  /**
   * A factory reset's way back to the first boot, closed throughout: the block-all-forwarding table replaces the
   * ruleset in one transaction before the engine and dnsmasq (with its leases) go.
   */
  firstBoot = async (): Promise<void> => {
    await this.closeForwarding();
    this.standby = { endpoints: [], resolvers: [] };
    await this.engineManager.apply(null, null);
    await this.remoteEngine?.apply(null, null);
    this.onRemoteApplied?.(null, new Date());
    await this.dnsmasq.forget();
    this.deviceBytes.clear();
  };

  resolve = async (state: DesiredState): Promise<ResolvedEndpoints | null> =>
    state.tunnel ? resolveEndpoints(state.tunnel, this.resolver) : null;

  firewall = async (state: DesiredState, resolved: ResolvedEndpoints | null): Promise<void> => {
    const endpoints = [...(resolved?.endpoints.values() ?? [])]
      .map((endpoint) => ({ address: endpoint.address, port: endpoint.port }))
      .concat(state.tunnel === null ? [] : this.standby.endpoints);
    this.loadedRuleset = await this.deviceBytes.replacing(this.executor, () =>
      applyRuleset(this.executor, renderRuleset(state, { endpoints, otherResolvers: this.standby.resolvers })),
    );
  };

  engine = async (state: DesiredState, resolved: ResolvedEndpoints | null): Promise<void> => {
    await this.engineManager.apply(
      state.tunnel?.interface ?? null,
      state.tunnel ? engineChange(state.tunnel, resolved) : null,
    );
    await this.remoteAccessEngine(state);
  };

  /** The second engine: runs for remote access with the devices in force now, or not at all (no wg1). */
  private async remoteAccessEngine(state: DesiredState): Promise<void> {
    const remote = state.remoteAccess;
    if (this.remoteEngine === null) {
      if (remote !== null) {
        throw new Error('remote access is set but this burrowd runs no engine for it');
      }
      return;
    }
    // One instant for both: the devices given to the engine and the alarm for the next expiry among them, so a
    // device expiring while the engine starts still gets its alarm.
    const appliedAt = new Date();
    await this.remoteEngine.apply(remote?.interface ?? null, remote ? remoteEngineChange(remote, appliedAt) : null);
    this.onRemoteApplied?.(remote, appliedAt);
  }

  network = async (state: DesiredState): Promise<void> => {
    const targets = renderNetworkTargets(state);
    const result = await applyNetworkTargets(this.executor, targets);
    // Sysctls after the links exist: a new interface starts with the kernel's defaults.
    await applySysctls(targets.sysctls);
    // The engine step created the tunnel interface; without it LAN traffic has nowhere to go, which is an error.
    // A missing LAN port (an unplugged adapter) only shrinks the bridge.
    const tunnel = state.tunnel?.interface;
    if (tunnel !== undefined && result.missingInterfaces.includes(tunnel)) {
      throw new Error(`the tunnel interface ${tunnel} does not exist after the engine started`);
    }
    const remote = state.remoteAccess?.interface;
    if (remote !== undefined && result.missingInterfaces.includes(remote)) {
      throw new Error(`the remote-access interface ${remote} does not exist after its engine started`);
    }
    const ports = result.missingInterfaces.filter((name) => name !== tunnel && name !== remote);
    if (ports.length > 0) {
      this.warn(`LAN ports missing, the bridge works without them: ${ports.join(', ')}`);
    }
  };

  lanServices = async (state: DesiredState): Promise<void> => {
    await this.dnsmasq.apply(state);
  };
}
