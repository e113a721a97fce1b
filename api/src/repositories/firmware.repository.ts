// The link to burrowd, the privileged daemon: its control socket, spoken to with JSON lines.
import { controlRequest } from '@burrow/firmware/control/control-client';
import { Injectable } from '@nestjs/common';
import { AppEnv } from '../env.js';
import { isErrno } from './errno.js';

/** A health check must answer fast even when burrowd is stuck. */
const PING_TIMEOUT_MS = 2_000;

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
}
