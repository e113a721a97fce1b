// One WireGuard interface: a TUN device, a UDP bind, the keys and peers wg(8) configures, and the pipelines that
// move packets between them. Configuration arrives as UAPI changes: the whole new configuration is computed
// first (device-config.ts), the steps that can fail (binding the port, setting the mark) run next and are undone
// on failure, and only then does the runtime follow. So a refused change leaves the interface exactly as it was.
import { constantTimeEqual } from '../crypto/constant-time.js';
import { publicKeyFromPrivate } from '../crypto/x25519.js';
import { type Bind } from '../io/bind.js';
import { type Clock, type Timer } from '../io/clock.js';
import { IoError } from '../io/errors.js';
import { type Tun } from '../io/tun.js';
import { RATE_LIMIT_GARBAGE_COLLECT_MS } from '../protocol/constants.js';
import { CookieChecker } from '../protocol/cookie.js';
import { LocalIdentity } from '../protocol/handshake.js';
import { HandshakeRateLimiter } from '../protocol/ratelimiter.js';
import { AllowedIps } from './allowed-ips.js';
import { type DeviceChange, type DeviceSnapshot, type UapiDevice, UapiErrno, UapiError } from './device-change.js';
import { DropCounters, type EngineContext, type EngineLog, LoadMeter } from './context.js';
import {
  applyDeviceChange,
  type DeviceConfig,
  EMPTY_DEVICE_CONFIG,
  type PeerConfig,
  snapshotOf,
} from './device-config.js';
import { Handshakes } from './handshakes.js';
import { Inbound } from './inbound.js';
import { IndexTable } from './index-table.js';
import { Outbound } from './outbound.js';
import { Peer } from './peer.js';
import { PeerTimers, type TimerActions } from './timers.js';

export interface DeviceOptions {
  readonly tun: Tun;
  readonly bind: Bind;
  readonly clock: Clock;
  readonly log: EngineLog;
  /** Handshake messages per second beyond which cookies are demanded (wireguard-go: a queue 1/8 full). */
  readonly underLoadHandshakesPerSecond?: number;
}

/** Peers exist before the interface has a key; their handshake state needs an identity, which stays unused. */
const NO_IDENTITY = new LocalIdentity(new Uint8Array(32));

const sameKey = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === b || (a !== null && b !== null && constantTimeEqual(a, b));

export class Device implements UapiDevice {
  private config: DeviceConfig = EMPTY_DEVICE_CONFIG;
  private readonly context: EngineContext;
  private readonly handshakes: Handshakes;
  private readonly outbound: Outbound;
  private readonly inbound: Inbound;
  private readonly garbageCollector: Timer;
  private closed = false;

  constructor(options: DeviceOptions) {
    this.context = {
      clock: options.clock,
      tun: options.tun,
      bind: options.bind,
      log: options.log,
      identity: null,
      cookieChecker: null,
      peers: new Map(),
      timers: new Map(),
      allowedIps: new AllowedIps<Peer>(),
      indices: new IndexTable(),
      rateLimiter: new HandshakeRateLimiter(),
      load: new LoadMeter(options.underLoadHandshakesPerSecond ?? 128),
      drops: new DropCounters(),
    };
    this.outbound = new Outbound(this.context, (peer, isRetry) => this.handshakes.sendInitiation(peer, isRetry));
    this.handshakes = new Handshakes(this.context, (peer) => this.outbound.sendKeepalive(peer));
    this.inbound = new Inbound(this.context, this.handshakes, this.outbound);
    this.garbageCollector = options.clock.timer(() => {
      this.context.rateLimiter.collectGarbage(this.context.clock.now());
      this.garbageCollector.set(RATE_LIMIT_GARBAGE_COLLECT_MS);
    });
    this.garbageCollector.set(RATE_LIMIT_GARBAGE_COLLECT_MS);

    options.tun.onPackets((batch) => this.outbound.onTunBatch(batch));
    options.bind.onDatagrams((batch) => this.inbound.onDatagramBatch(batch));
    // Like wireguard-go on an interface that is up: listen at once, on a random port until one is configured.
    this.config = { ...this.config, listenPort: 0 };
    options.bind.open(0);
  }

  /** Counters of dropped packets by reason. */
  get drops(): DropCounters {
    return this.context.drops;
  }

  snapshot(): DeviceSnapshot {
    return snapshotOf(
      this.config,
      (id) => {
        const peer = this.context.peers.get(id);
        return peer
          ? {
              endpoint: peer.endpoint,
              lastHandshakeUnixMs: peer.lastHandshakeUnixMs,
              txBytes: BigInt(peer.txBytes),
              rxBytes: BigInt(peer.rxBytes),
            }
          : undefined;
      },
      this.context.bind.port ?? this.config.listenPort,
    );
  }

  /** Every outcome arrives through the promise: a refused change rejects it, and never throws synchronously. */
  apply(change: DeviceChange): Promise<void> {
    try {
      this.applyNow(change);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private applyNow(change: DeviceChange): void {
    if (this.closed) {
      throw new UapiError(UapiErrno.io, 'the interface is closing');
    }
    const next = applyDeviceChange(this.config, change, publicKeyFromPrivate);
    this.applyBindSettings(next);
    const previous = this.config;
    this.config = next;
    // Compared by value: wg syncconf, and a controller re-applying its whole desired state, send the same key again,
    // which must not end every session (wireguard-go ignores an unchanged key too).
    if (!sameKey(next.privateKey, previous.privateKey)) {
      this.replaceIdentity(next.privateKey);
    }
    this.followPeers(previous, next);
  }

  /** Stops every timer, wipes every key, closes the socket and the TUN device (which removes the interface). */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.garbageCollector.cancel();
    for (const peer of [...this.context.peers.values()]) {
      this.removePeer(peer);
    }
    this.context.identity?.clear();
    this.context.bind.close();
    this.context.tun.close();
  }

  /** The fallible part of a change: rebinding the port and setting the mark, undone if either fails. */
  private applyBindSettings(next: DeviceConfig): void {
    const { bind } = this.context;
    const oldPort = bind.port ?? 0;
    const portChanged = next.listenPort !== this.config.listenPort && next.listenPort !== oldPort;
    if (portChanged) {
      bind.close();
      try {
        bind.open(next.listenPort);
      } catch (error) {
        bind.open(oldPort);
        throw new UapiError(
          UapiErrno.portInUse,
          `cannot listen on port ${next.listenPort}: ${(error as Error).message}`,
        );
      }
    }
    if (next.fwmark !== this.config.fwmark) {
      try {
        bind.setMark(next.fwmark);
      } catch (error) {
        if (portChanged) {
          bind.close();
          bind.open(oldPort);
        }
        const errno = error instanceof IoError && error.code === 'EPERM' ? UapiErrno.io : UapiErrno.invalid;
        throw new UapiError(errno, `cannot set fwmark: ${(error as Error).message}`);
      }
    }
  }

  /** A new private key invalidates every session and every handshake in progress. */
  private replaceIdentity(privateKey: Uint8Array | null): void {
    this.context.identity?.clear();
    const identity = privateKey === null ? null : new LocalIdentity(privateKey);
    this.context.identity = identity;
    this.context.cookieChecker = identity === null ? null : new CookieChecker(identity.publicKey);
    for (const peer of this.context.peers.values()) {
      this.zeroKeyMaterial(peer);
      peer.handshake.setLocalIdentity(identity ?? NO_IDENTITY);
      // The next packet may start a handshake with the new key at once, even if one went out under the old key
      // less than REKEY_TIMEOUT ago (wireguard-go's ExpireCurrentKeypairs does the same).
      peer.lastInitiationSentAt = Number.NEGATIVE_INFINITY;
    }
  }

  /** Makes the runtime peers match `next`: removes, adds, and updates what changed. */
  private followPeers(previous: DeviceConfig, next: DeviceConfig): void {
    const { peers } = this.context;
    for (const [id, peer] of [...peers]) {
      if (!next.peers.has(id)) {
        this.removePeer(peer);
      }
    }
    for (const [id, config] of next.peers) {
      const before = previous.peers.get(id);
      const peer = peers.get(id) ?? this.addPeer(config);
      if (before === config) {
        continue;
      }
      if (before !== undefined && before.presharedKey !== config.presharedKey) {
        peer.handshake.setPresharedKey(config.presharedKey);
      }
      if (before?.endpoint !== config.endpoint) {
        peer.endpoint = config.endpoint;
      }
      if (before?.allowedIps !== config.allowedIps) {
        this.context.allowedIps.removePeer(peer);
        for (const prefix of config.allowedIps) {
          this.context.allowedIps.insert(prefix.bytes, prefix.cidr, peer);
        }
      }
      const keepaliveTurnedOn = config.persistentKeepaliveInterval > 0 && peer.persistentKeepaliveInterval === 0;
      peer.persistentKeepaliveInterval = config.persistentKeepaliveInterval;
      if (keepaliveTurnedOn && this.context.identity !== null) {
        this.outbound.sendKeepalive(peer);
      }
    }
  }

  private addPeer(config: PeerConfig): Peer {
    const peer = new Peer(config.publicKey, this.context.identity ?? NO_IDENTITY, config.presharedKey);
    this.context.peers.set(peer.id, peer);
    this.context.timers.set(peer, new PeerTimers(this.context.clock, peer, this.timerActions));
    this.context.log.info(`${peer.label}: added`);
    return peer;
  }

  private removePeer(peer: Peer): void {
    this.zeroKeyMaterial(peer);
    this.context.timers.get(peer)?.stop();
    this.context.timers.delete(peer);
    this.context.allowedIps.removePeer(peer);
    this.context.peers.delete(peer.id);
    this.outbound.forget(peer);
    this.context.log.info(`${peer.label}: removed`);
  }

  private zeroKeyMaterial(peer: Peer): void {
    for (const keypair of peer.keypairs()) {
      this.handshakes.dropKeypair(keypair);
    }
    peer.previous = peer.current = peer.next = null;
    this.handshakes.forgetHandshakeIndex(peer);
    peer.handshake.clear();
  }

  private dropStaged(peer: Peer): void {
    this.context.drops.add('no-session', peer.staged.length);
    peer.staged.length = 0;
  }

  private readonly timerActions: TimerActions = {
    sendInitiation: (peer, isRetry) => this.handshakes.sendInitiation(peer, isRetry),
    sendKeepalive: (peer) => this.outbound.sendKeepalive(peer),
    zeroKeyMaterial: (peer) => {
      this.context.log.debug(`${peer.label}: forgetting keys after 3 × REJECT_AFTER_TIME without a new session`);
      this.zeroKeyMaterial(peer);
      // As wireguard-go's ZeroAndFlushAll: packets that waited this long are stale.
      this.dropStaged(peer);
    },
    handshakeGaveUp: (peer) => {
      this.context.log.info(`${peer.label}: no handshake after REKEY_ATTEMPT_TIME, dropping staged packets`);
      this.dropStaged(peer);
    },
  };
}
