// Keys from the terminal, one at a time, for prompts that await them. While an action runs the reader is busy:
// keys are dropped (a key meant for the next screen must not answer it), and Ctrl-C only reports that it was heard.
import { emitKeypressEvents } from 'node:readline';

export interface Key {
  /** readline's name ("return", "escape", "backspace", "a"), or "" for a character without one. */
  name: string;
  /** The character typed, when it is one. */
  char: string;
  ctrl: boolean;
}

/** The terminal is gone (hung up, stdin ended, or a SIGTERM): the console finishes what runs and exits. */
export class TerminalLost extends Error {
  override readonly name = 'TerminalLost';
}

export const isInterrupt = (key: Key) => key.ctrl && key.name === 'c';
export const isEnter = (key: Key) => key.name === 'return' || key.name === 'enter';
export const isEscape = (key: Key) => key.name === 'escape';

export class KeyReader {
  private readonly queue: Key[] = [];
  private waiter: ((key: Key | null) => void) | null = null;
  private lost = false;
  private busy = false;
  private onBusyInterrupt: () => void = () => undefined;

  constructor(private readonly input: NodeJS.ReadStream) {}

  start(): void {
    emitKeypressEvents(this.input);
    this.input.on('keypress', this.keypress);
    this.input.on('end', this.lose);
    this.input.on('close', this.lose);
    this.input.resume();
  }

  stop(): void {
    this.input.off('keypress', this.keypress);
    this.input.off('end', this.lose);
    this.input.off('close', this.lose);
    this.input.pause();
  }

  get isLost(): boolean {
    return this.lost;
  }

  /** The terminal went away; a waiting prompt gives up now, a running action is let finish. */
  readonly lose = (): void => {
    this.lost = true;
    this.wake(null);
  };

  /** A SIGINT from outside the terminal (stdin not a TTY) counts as Ctrl-C. */
  interrupt(): void {
    this.keypress('\u0003', { name: 'c', ctrl: true });
  }

  /** Keys are dropped until `fn` settles; Ctrl-C calls `onInterrupt` instead. */
  async whileBusy<T>(fn: () => Promise<T>, onInterrupt: () => void): Promise<T> {
    this.busy = true;
    this.onBusyInterrupt = onInterrupt;
    this.queue.length = 0;
    try {
      return await fn();
    } finally {
      this.busy = false;
      this.queue.length = 0;
    }
  }

  /** The next key, or null after `timeoutMs`; throws TerminalLost once the terminal is gone. */
  next(timeoutMs?: number): Promise<Key | null> {
    if (this.lost) {
      return Promise.reject(new TerminalLost('the terminal is gone'));
    }
    const queued = this.queue.shift();
    if (queued !== undefined) {
      return Promise.resolve(queued);
    }
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.wake(null), timeoutMs);
      this.waiter = (key) => {
        clearTimeout(timer);
        this.waiter = null;
        if (key === null && this.lost) {
          reject(new TerminalLost('the terminal is gone'));
        } else {
          resolve(key);
        }
      };
    });
  }

  private wake(key: Key | null): void {
    this.waiter?.(key);
  }

  private readonly keypress = (char: string | undefined, info: { name?: string; ctrl?: boolean } | undefined) => {
    const key: Key = { name: info?.name ?? '', char: char ?? '', ctrl: info?.ctrl === true };
    if (this.busy) {
      if (isInterrupt(key)) {
        this.onBusyInterrupt();
      }
      return;
    }
    if (this.waiter !== null) {
      this.wake(key);
    } else {
      this.queue.push(key);
    }
  };
}
