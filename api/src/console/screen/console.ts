// The recovery console's screen: the header and the menu, refreshed every few seconds, and the loop that runs one
// menu entry at a time. It stays up: Ctrl-C only goes back, errors are shown and the menu stays usable, and a lost
// terminal (SIGHUP, end of input, SIGTERM) ends it only once the running step has finished.
import { ConsoleActionError, type ConsoleBackend, type ConsoleHeader } from '../backend.js';
import { type HostActions } from '../host/host-actions.js';
import { type ConsoleContext } from './context.js';
import { headerLines, summaryLine } from './header.js';
import { isEscape, isInterrupt, KeyReader, TerminalLost } from './keys.js';
import { MENU, menuLines } from './menu.js';
import { Terminal } from './terminal.js';
import { fit, WIDTH, wrap } from './text.js';
import { Cancelled, Ui } from './ui.js';

/** How often the header is read again while the main menu waits. */
const REFRESH_MS = 5_000;
/** A core that does not answer within this is shown as not answering (or still starting); the menu stays usable. */
const HEADER_TIMEOUT_MS = 4_000;
/** Until the core has answered once, a slow answer means it is still opening the configuration, not that it failed. */
const STARTING = 'starting… (opening the configuration)';

export interface ConsoleDeps {
  backend: ConsoleBackend;
  host: HostActions;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** Runs the console until it is quit or its terminal is lost; the terminal is restored on every way out. */
export async function runConsole(deps: ConsoleDeps): Promise<void> {
  const keys = new KeyReader(deps.input);
  const terminal = new Terminal(deps.input, deps.output, keys.lose);
  const screen = new MainScreen(deps, terminal, keys);
  const interrupt = () => keys.interrupt();
  process.on('SIGHUP', keys.lose);
  process.on('SIGTERM', keys.lose);
  process.on('SIGINT', interrupt);
  try {
    terminal.enter();
    keys.start();
    await screen.run();
  } catch (error) {
    if (!(error instanceof TerminalLost)) {
      throw error;
    }
  } finally {
    keys.stop();
    terminal.leave();
    process.off('SIGHUP', keys.lose);
    process.off('SIGTERM', keys.lose);
    process.off('SIGINT', interrupt);
  }
}

class MainScreen {
  private header: ConsoleHeader | null = null;
  private headerProblem: string | null = null;
  /** The header read under way: one at a time, so a slow core is given the time it needs and reads never pile up. */
  private headerRead: Promise<ConsoleHeader> | null = null;
  private headerEverRead = false;
  private readonly ui: Ui;
  private readonly context: ConsoleContext;

  constructor(
    private readonly deps: ConsoleDeps,
    private readonly terminal: Terminal,
    private readonly keys: KeyReader,
  ) {
    this.ui = new Ui(terminal, keys, () => summaryLine(this.header));
    this.context = {
      ui: this.ui,
      backend: deps.backend,
      host: deps.host,
      header: () => this.header,
      handOver: (fn) => this.handOver(fn),
    };
  }

  async run(): Promise<void> {
    this.draw(null);
    await this.refresh();
    let message: string | null = null;
    for (;;) {
      this.draw(message);
      const key = await this.keys.next(REFRESH_MS);
      if (key === null) {
        await this.refresh();
        continue;
      }
      if (isInterrupt(key) || isEscape(key)) {
        message = null;
        continue;
      }
      if (key.char === 'q') {
        if (await this.confirmQuit()) {
          return;
        }
        message = null;
        continue;
      }
      const entry = MENU.find((candidate) => candidate.key === key.char);
      if (entry !== undefined) {
        message = await this.runEntry(entry);
        await this.refresh();
      }
    }
  }

  /** Runs one entry; returns the message for the menu's line (a cancellation), or null. */
  private async runEntry(entry: (typeof MENU)[number]): Promise<string | null> {
    try {
      await entry.run(this.context);
      return null;
    } catch (error) {
      if (error instanceof TerminalLost) {
        throw error;
      }
      if (error instanceof Cancelled) {
        return error.message;
      }
      // A refusal, or burrowd or the core being down: said as the core put it, and the menu stays usable.
      await this.ui.show(entry.label, [
        'Not done:',
        '',
        ...wrap(error instanceof Error ? error.message : String(error)),
      ]);
      return null;
    }
  }

  private async confirmQuit(): Promise<boolean> {
    try {
      await this.ui.confirm('Quit', ['Leave the recovery console?']);
      return true;
    } catch (error) {
      if (error instanceof Cancelled) {
        return false;
      }
      throw error;
    }
  }

  private async refresh(): Promise<void> {
    this.headerRead ??= this.deps.backend.header().finally(() => {
      this.headerRead = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the core did not answer in time')), HEADER_TIMEOUT_MS);
    });
    try {
      this.header = await Promise.race([this.headerRead, timeout]);
      this.headerProblem = null;
      this.headerEverRead = true;
    } catch (error) {
      // A read that timed out stays under way: a later refresh takes its answer.
      this.header = null;
      const starting = error instanceof ConsoleActionError && error.code === 'starting';
      this.headerProblem =
        starting || (!this.headerEverRead && this.headerRead !== null)
          ? STARTING
          : `NOT AVAILABLE (${error instanceof Error ? error.message : String(error)})`;
    } finally {
      clearTimeout(timer);
    }
  }

  private draw(message: string | null): void {
    const paint = this.terminal.paint;
    this.terminal.draw([
      ...headerLines(this.header, this.headerProblem, paint),
      '-'.repeat(WIDTH),
      ...menuLines(this.header?.burrowdUp ?? true),
      '',
      message === null ? '' : fit(message),
      'Press a number to choose: ',
    ]);
  }

  private async handOver(fn: () => Promise<void>): Promise<void> {
    this.keys.stop();
    this.terminal.leave();
    try {
      await fn();
    } finally {
      this.terminal.enter();
      this.keys.start();
    }
  }
}
