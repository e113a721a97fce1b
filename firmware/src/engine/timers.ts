// The five timers of one peer, with the whitepaper's values and wireguard-go's names. The pipelines call the
// `timers*` hooks as packets move; the `expired*` callbacks fire from the clock. Deadlines are pushed forward on
// every packet, so the clock's timers must make re-arming cheap (io/clock.ts does).
//
//   retransmitHandshake  REKEY_TIMEOUT (+ jitter) after an initiation with no response: send another, up to
//                        REKEY_ATTEMPT_TIME, then give up and drop the staged packets
//   sendKeepalive        KEEPALIVE_TIMEOUT after data was received with nothing sent back: send a keepalive
//   newHandshake         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT after data was sent with nothing received: rekey
//   zeroKeyMaterial      3 × REJECT_AFTER_TIME after the last session was derived: forget every key
//   persistentKeepalive  the configured interval after any authenticated packet: keep NAT mappings open
import { type Clock, type Timer } from '../io/clock.js';
import {
  KEEPALIVE_TIMEOUT_MS,
  MAX_TIMER_HANDSHAKES,
  REJECT_AFTER_TIME_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REKEY_TIMEOUT_MS,
} from '../protocol/constants.js';
import { type Peer } from './peer.js';

/** What the timers ask the device to do. */
export interface TimerActions {
  sendInitiation(peer: Peer, isRetry: boolean): void;
  sendKeepalive(peer: Peer): void;
  /** Drops every keypair and the handshake state of the peer. */
  zeroKeyMaterial(peer: Peer): void;
  /** Gives up on a handshake: staged packets are dropped. */
  handshakeGaveUp(peer: Peer): void;
}

const jitter = (): number => Math.random() * REKEY_TIMEOUT_JITTER_MAX_MS;

export class PeerTimers {
  private readonly retransmitHandshake: Timer;
  private readonly sendKeepalive: Timer;
  private readonly newHandshake: Timer;
  private readonly zeroKeyMaterial: Timer;
  private readonly persistentKeepalive: Timer;

  constructor(
    clock: Clock,
    private readonly peer: Peer,
    private readonly actions: TimerActions,
  ) {
    this.retransmitHandshake = clock.timer(() => this.expiredRetransmitHandshake());
    this.sendKeepalive = clock.timer(() => this.expiredSendKeepalive());
    this.newHandshake = clock.timer(() => this.actions.sendInitiation(this.peer, false));
    this.zeroKeyMaterial = clock.timer(() => this.actions.zeroKeyMaterial(this.peer));
    this.persistentKeepalive = clock.timer(() => this.expiredPersistentKeepalive());
  }

  // --- hooks the pipelines call -------------------------------------------------------------------------------

  /** A data packet (not a keepalive) was sent. */
  timersDataSent(): void {
    if (!this.newHandshake.pending) {
      this.newHandshake.set(KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + jitter());
    }
  }

  /** A data packet (not a keepalive) was received. */
  timersDataReceived(): void {
    if (!this.sendKeepalive.pending) {
      this.sendKeepalive.set(KEEPALIVE_TIMEOUT_MS);
    } else {
      this.peer.needAnotherKeepalive = true;
    }
  }

  /** Any authenticated packet (handshake, data or keepalive) was sent: it serves as a keepalive. */
  timersAnyAuthenticatedPacketSent(): void {
    this.sendKeepalive.cancel();
  }

  /** Any authenticated packet was received: the peer is alive, no need to rekey for silence. */
  timersAnyAuthenticatedPacketReceived(): void {
    this.newHandshake.cancel();
  }

  /** Any authenticated packet went either way: restart the persistent keepalive interval. */
  timersAnyAuthenticatedPacketTraversal(): void {
    if (this.peer.persistentKeepaliveInterval > 0) {
      this.persistentKeepalive.set(this.peer.persistentKeepaliveInterval * 1000);
    }
  }

  timersHandshakeInitiated(): void {
    this.retransmitHandshake.set(REKEY_TIMEOUT_MS + jitter());
  }

  timersHandshakeComplete(wallTimeMs: number): void {
    this.retransmitHandshake.cancel();
    this.peer.handshakeAttempts = 0;
    this.peer.sentLastMinuteHandshake = false;
    this.peer.lastHandshakeUnixMs = wallTimeMs;
  }

  timersSessionDerived(): void {
    this.zeroKeyMaterial.set(REJECT_AFTER_TIME_MS * 3);
  }

  /** Stops every timer (peer removed, device closed, or keys zeroed). */
  stop(): void {
    this.retransmitHandshake.cancel();
    this.sendKeepalive.cancel();
    this.newHandshake.cancel();
    this.zeroKeyMaterial.cancel();
    this.persistentKeepalive.cancel();
  }

  // --- callbacks the clock fires --------------------------------------------------------------------------------

  private expiredRetransmitHandshake(): void {
    if (this.peer.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
      this.sendKeepalive.cancel();
      this.actions.handshakeGaveUp(this.peer);
      // Keys of a peer we cannot reach are forgotten after 3 × REJECT_AFTER_TIME unless a session comes back.
      if (!this.zeroKeyMaterial.pending) {
        this.zeroKeyMaterial.set(REJECT_AFTER_TIME_MS * 3);
      }
      return;
    }
    this.peer.handshakeAttempts++;
    this.actions.sendInitiation(this.peer, true);
  }

  private expiredSendKeepalive(): void {
    this.actions.sendKeepalive(this.peer);
    if (this.peer.needAnotherKeepalive) {
      this.peer.needAnotherKeepalive = false;
      this.sendKeepalive.set(KEEPALIVE_TIMEOUT_MS);
    }
  }

  private expiredPersistentKeepalive(): void {
    if (this.peer.persistentKeepaliveInterval > 0) {
      this.actions.sendKeepalive(this.peer);
    }
  }
}
