// The last desired state burrowd applied (the API's whole document, every profile), kept in the data dir so that
// after a reboot it is restored before anything else starts. It holds private keys: mode 0600, in a directory only
// root can enter. A version-1 file from an older burrowd is read and converted.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../os/atomic-file.js';
import { type BoardConfig, type DesiredStateV2, parseDesiredStateV2 } from './desired-state-v2.js';

export class StateStore {
  readonly file: string;

  constructor(
    dataDir: string,
    private readonly board: BoardConfig | null,
  ) {
    this.file = path.join(dataDir, 'burrowd', 'desired-state.json');
  }

  /** The stored state, or null when none was ever applied. A corrupt file is an error, never silently ignored. */
  async load(): Promise<DesiredStateV2 | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return null;
      }
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${this.file} is not valid JSON; the kill switch stays closed until a new state is applied`);
    }
    const parsed = parseDesiredStateV2(json, this.board);
    if (!parsed.ok) {
      throw new Error(`${this.file} is not a valid desired state: ${parsed.errors.join('; ')}`);
    }
    return parsed.state;
  }

  /** Forgets the stored state (a factory reset): the next start has nothing to restore. */
  async remove(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }

  async save(state: DesiredStateV2): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }
}
