// What every menu entry gets: the prompts, the core, the host, and the header as last read.
import { type ConsoleBackend, type ConsoleHeader } from '../backend.js';
import { type HostActions } from '../host/host-actions.js';
import { type Ui } from './ui.js';

export interface ConsoleContext {
  readonly ui: Ui;
  readonly backend: ConsoleBackend;
  readonly host: HostActions;
  /** The header as last read, or null when the core did not answer. */
  readonly header: () => ConsoleHeader | null;
  /** Hands the terminal to another program (the shell) and takes it back when `fn` settles. */
  readonly handOver: (fn: () => Promise<void>) => Promise<void>;
}

export interface MenuEntry {
  readonly key: string;
  readonly label: string;
  run(context: ConsoleContext): Promise<void>;
}
