// The link to burrowd. For now only its presence is known; the message protocol comes with the control socket.
import { Injectable } from '@nestjs/common';
import { stat } from 'node:fs/promises';
import { AppEnv } from '../env.js';
import { isErrno } from './errno.js';

@Injectable()
export class FirmwareRepository {
  constructor(private readonly env: AppEnv) {}

  /** Whether burrowd's control socket exists. Other failures (a permission problem) are thrown. */
  async controlSocketPresent(): Promise<boolean> {
    try {
      return (await stat(this.env.firmwareSocket)).isSocket();
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
        return false;
      }
      throw error;
    }
  }
}
