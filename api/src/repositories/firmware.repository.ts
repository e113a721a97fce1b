// The link to burrowd, the privileged daemon: its control socket, spoken to with JSON lines.
import { controlRequest } from '@burrow/firmware/control/control-client';
import { Injectable } from '@nestjs/common';
import { AppEnv } from '../env.js';
import { isErrno } from './errno.js';

/** A health check must answer fast even when burrowd is stuck. */
const PING_TIMEOUT_MS = 2_000;
/** The self-test runs a handful of ip(8) and nft(8) commands in burrowd. */
const SELF_TEST_TIMEOUT_MS = 30_000;
/** The exit check resolves a name and fetches a page through the tunnel, each with burrowd's own time limit. */
const EXIT_CHECK_TIMEOUT_MS = 30_000;
/** Applying a state restarts engines and rewrites the firewall: seconds, not minutes. */
const APPLY_TIMEOUT_MS = 60_000;
/** burrowd waits up to 5 s for the server's answer, after a UAPI round or two. */
const HANDSHAKE_TIMEOUT_MS = 15_000;

/** burrowd's answer to a recovery-console request: its result, or its reason for refusing. */
export type FirmwareAnswer<T> = { ok: true; result: T } | { ok: false; error: string };

export type HandshakeResult =
  | { ok: true; profile: { id: number; name: string } | null; endpoint: string; latencyMs: number }
  | { ok: false; profile: { id: number; name: string } | null; error: string };

export type ApplyResult =
  | { outcome: 'applied'; warnings: string[] }
  | { outcome: 'refused'; errors: string[] }
  | { outcome: 'unreachable'; reason: string };

@Injectable()
export class FirmwareRepository {
  constructor(private readonly env: AppEnv) {}

  /** Whether burrowd answers on its control socket. A missing or dead socket is false; odd failures are thrown. */
  async answers(): Promise<boolean> {
    try {
      const response = await controlRequest(this.env.firmwareSocket, 'ping', undefined, PING_TIMEOUT_MS);
      return response.ok && response.result === 'pong';
    } catch (error) {
      // No socket, nobody listening, a timeout or a garbled reply: burrowd is not there. EACCES and the like are
      // configuration problems worth a log line, so they are thrown.
      const hasCode = error instanceof Error && 'code' in error;
      if (!hasCode || isErrno(error, 'ENOENT', 'ENOTDIR', 'ECONNREFUSED', 'ENOTSOCK')) {
        return false;
      }
      throw error;
    }
  }

  /** burrowd's report (state in force, engine, peers, upstream health and events), or null when it does not answer. */
  async status(): Promise<unknown> {
    try {
      const response = await controlRequest(this.env.firmwareSocket, 'status', undefined, PING_TIMEOUT_MS);
      return response.ok ? response.result : null;
    } catch {
      return null;
    }
  }

  /** burrowd's self-test answer (`{checks: [...]}`), or null when it does not answer. */
  async selfTest(): Promise<unknown> {
    try {
      const response = await controlRequest(this.env.firmwareSocket, 'selfTest', undefined, SELF_TEST_TIMEOUT_MS);
      return response.ok ? response.result : null;
    } catch {
      return null;
    }
  }

  /**
   * Has burrowd fetch the exit check's URL through the tunnel now: its answer (`ok` with the result, or its
   * reason), or null when it does not answer.
   */
  async exitCheck(): Promise<{ ok: true; result: unknown } | { ok: false; error: string } | null> {
    try {
      const response = await controlRequest(this.env.firmwareSocket, 'exitCheck', undefined, EXIT_CHECK_TIMEOUT_MS);
      return response.ok ? { ok: true, result: response.result } : { ok: false, error: response.error };
    } catch {
      return null;
    }
  }

  /** Sends burrowd a whole desired state; a burrowd that is not there is an answer, not an error. */
  async apply(state: unknown): Promise<ApplyResult> {
    try {
      const response = await controlRequest(this.env.firmwareSocket, 'apply', state, APPLY_TIMEOUT_MS);
      if (!response.ok) {
        return { outcome: 'refused', errors: response.details.length > 0 ? response.details : [response.error] };
      }
      const { warnings } = response.result as { warnings?: unknown };
      return { outcome: 'applied', warnings: Array.isArray(warnings) ? warnings.map(String) : [] };
    } catch (error) {
      return { outcome: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Disarms the kill switch for `minutes` (1–60), or `{seconds}` (1–3600, for tests and diagnostics): burrowd keeps
   * the deadline and re-arms by itself. Its answer (`disarmedUntil`, ISO time), or null when it does not answer.
   */
  async disarm(duration: number | { seconds: number }): Promise<FirmwareAnswer<{ disarmedUntil: string }> | null> {
    const params = typeof duration === 'number' ? { minutes: duration } : { seconds: duration.seconds };
    return this.ask('disarm', params, APPLY_TIMEOUT_MS);
  }

  /** Re-arms the kill switch now (`rearmed` false when it was armed already), or null when burrowd does not answer. */
  async rearm(): Promise<FirmwareAnswer<{ rearmed: boolean }> | null> {
    return this.ask('rearm', {}, APPLY_TIMEOUT_MS);
  }

  /**
   * Has burrowd forget its saved state (the tunnel keys among it) and the DHCP leases and go back to the first-boot
   * state, forwarding blocked, until the next desired state; null when it does not answer.
   */
  async factoryReset(): Promise<FirmwareAnswer<Record<string, never>> | null> {
    return this.ask('factoryReset', {}, APPLY_TIMEOUT_MS);
  }

  /** A fresh handshake with the carrying profile's server now (burrowd waits up to 5 s); null when it does not answer. */
  async handshake(): Promise<HandshakeResult | null> {
    const answer = await this.ask<HandshakeResult>('handshake', {}, HANDSHAKE_TIMEOUT_MS);
    if (answer === null) {
      return null;
    }
    return answer.ok ? answer.result : { ok: false, profile: null, error: answer.error };
  }

  private async ask<T>(
    method: 'disarm' | 'rearm' | 'factoryReset' | 'handshake',
    params: unknown,
    timeoutMs: number,
  ): Promise<FirmwareAnswer<T> | null> {
    try {
      const response = await controlRequest(this.env.firmwareSocket, method, params, timeoutMs);
      return response.ok ? { ok: true, result: response.result as T } : { ok: false, error: response.error };
    } catch {
      return null;
    }
  }
}
