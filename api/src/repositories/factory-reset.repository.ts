// A factory reset on disk: staged with the restore journal (backups/restore-journal.ts, stageWipe), which the next
// start applies before the database opens, and its marker, which that start leaves in the data dir:
//
//   factory-reset.json   0600  {format, id, stagedAt, origin}: no secret; read and removed by the first start after
//                              the wipe, which records the reset in the new database's audit log
import { Injectable } from '@nestjs/common';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FACTORY_RESET_MARKER, stagedChange, type StagedChange, stageWipe } from '../backups/restore-journal.js';
import { AppEnv } from '../env.js';
import { isErrno } from './errno.js';

const MARKER_FORMAT = 1;

/** What the reset leaves for the new box's audit log. */
export interface FactoryResetMarker {
  /** Random, so that the one start that records it can tell whether it already did. */
  id: string;
  stagedAt: string;
  origin: 'web' | 'console';
  /** The admin who asked, for a reset from the web. */
  username: string | null;
}

@Injectable()
export class FactoryResetRepository {
  private readonly markerPath: string;

  constructor(private readonly env: AppEnv) {
    this.markerPath = join(env.dataDir, FACTORY_RESET_MARKER);
  }

  /** Commits the wipe for the next start; throws RestoreStateError, changing nothing, when something is staged. */
  stage(marker: FactoryResetMarker): Promise<void> {
    return stageWipe(this.env.dataDir, `${JSON.stringify({ format: MARKER_FORMAT, ...marker })}\n`);
  }

  stagedChange(): Promise<StagedChange | null> {
    return stagedChange(this.env.dataDir);
  }

  /** The marker a wipe left, undefined when there is none, or 'damaged' when it cannot be read as one. */
  async readMarker(): Promise<FactoryResetMarker | 'damaged' | undefined> {
    let text: string;
    try {
      text = await readFile(this.markerPath, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return undefined;
      }
      throw error;
    }
    return parseMarker(text) ?? 'damaged';
  }

  async removeMarker(): Promise<void> {
    await rm(this.markerPath, { force: true });
  }
}

function parseMarker(text: string): FactoryResetMarker | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { format, id, stagedAt, origin, username } = value as Record<string, unknown>;
  if (
    format !== MARKER_FORMAT ||
    typeof id !== 'string' ||
    typeof stagedAt !== 'string' ||
    Number.isNaN(Date.parse(stagedAt)) ||
    (origin !== 'web' && origin !== 'console') ||
    (username !== null && typeof username !== 'string')
  ) {
    return undefined;
  }
  return { id, stagedAt, origin, username };
}
