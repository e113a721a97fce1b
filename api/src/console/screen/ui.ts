// The console's prompts, each a whole screen: choose from a list, type text or a secret, confirm by typing a word,
// read a result, wait while an action runs. Escape, q (on lists) and Ctrl-C go back by throwing Cancelled.
import { type Key, isEnter, isEscape, isInterrupt, type KeyReader, TerminalLost } from './keys.js';
import { type Terminal } from './terminal.js';
import { fit, ROWS, WIDTH } from './text.js';

export const CANCELLED = 'Cancelled, nothing was changed.';
/** Keys 1–9 pick from a page, so a page never holds more. */
const PAGE_ITEMS = 9;
const MAX_TYPED_CHARS = 256;

/** Going back from a prompt; the menu shows the message. */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';

  constructor(message = CANCELLED) {
    super(message);
  }
}

export interface TextOptions {
  /** Typing is not echoed at all: not even stars, so the length does not show either. */
  secret?: boolean;
  /** What an empty answer means, shown in the prompt. */
  defaultValue?: string;
}

export class Ui {
  constructor(
    private readonly terminal: Terminal,
    private readonly keys: KeyReader,
    /** The line at the top of every screen under the menu. */
    private readonly summary: () => string,
  ) {}

  get paint() {
    return this.terminal.paint;
  }

  /** Draws a screen: summary, title, `body` cut to what fits, then `footer`. Lines are plain text: fit() would
   * turn a colour's escape into "?". */
  page(title: string, body: string[], footer: string[]): void {
    const room = ROWS - 3 - footer.length;
    const shown = body.length > room ? [...body.slice(0, room - 1), '…'] : body;
    this.terminal.draw([
      this.summary(),
      this.paint.bold(fit(title)),
      '-'.repeat(WIDTH),
      ...shown.map((line) => fit(line)),
      ...footer.map((line) => fit(line)),
    ]);
  }

  /** The index of the item picked; pages of nine (n, p), q or Escape to go back. */
  async choose(title: string, intro: string[], items: string[]): Promise<number> {
    const pages = Math.max(1, Math.ceil(items.length / PAGE_ITEMS));
    let pageIndex = 0;
    for (;;) {
      const first = pageIndex * PAGE_ITEMS;
      const onPage = items.slice(first, first + PAGE_ITEMS);
      const paging = pages > 1 ? [`Page ${pageIndex + 1} of ${pages} — n: next page, p: previous page`] : [];
      this.page(
        title,
        [...intro, ...(intro.length > 0 ? [''] : []), ...onPage.map((item, i) => `  ${i + 1}  ${item}`)],
        ['', ...paging, `Choose ${onPage.length === 1 ? '1' : `1-${onPage.length}`}, or q to go back: `],
      );
      const key = await this.key();
      if (isInterrupt(key) || isEscape(key) || key.char === 'q') {
        throw new Cancelled();
      }
      if (key.char === 'n' && pageIndex < pages - 1) {
        pageIndex++;
      } else if (key.char === 'p' && pageIndex > 0) {
        pageIndex--;
      } else if (/^[1-9]$/.test(key.char) && Number(key.char) <= onPage.length) {
        return first + Number(key.char) - 1;
      }
    }
  }

  /** A line of typed text (trimmed unless secret); Escape or Ctrl-C goes back. */
  async text(title: string, intro: string[], prompt: string, options: TextOptions = {}): Promise<string> {
    const shownPrompt = options.defaultValue === undefined ? prompt : `${prompt} [${options.defaultValue}]`;
    this.page(title, intro, ['', `${shownPrompt}: `]);
    let typed = '';
    for (;;) {
      const key = await this.key();
      if (isInterrupt(key) || isEscape(key) || (key.ctrl && key.name === 'd' && typed === '')) {
        throw new Cancelled();
      }
      if (isEnter(key)) {
        const answer = options.secret === true ? typed : typed.trim();
        return answer === '' && options.defaultValue !== undefined ? options.defaultValue : answer;
      }
      if (key.name === 'backspace') {
        if (typed !== '') {
          typed = typed.slice(0, -1);
          this.echo('\b \b', options);
        }
      } else if (isPrintable(key) && typed.length < MAX_TYPED_CHARS) {
        typed += key.char;
        this.echo(key.char, options);
      }
    }
  }

  secret(title: string, intro: string[], prompt: string): Promise<string> {
    return this.text(title, intro, prompt, { secret: true });
  }

  /** Goes on only when `expected` is typed; anything else cancels with "Cancelled, nothing was changed." */
  async confirm(title: string, warning: string[], expected = 'yes'): Promise<void> {
    const answer = await this.text(title, warning, `Type ${expected} to go ahead, anything else cancels`);
    if (answer !== expected) {
      throw new Cancelled();
    }
  }

  /** A result to read, page by page; Enter (or q, Escape, Ctrl-C) goes back. */
  async show(title: string, lines: string[]): Promise<void> {
    const room = ROWS - 5;
    const pages = Math.max(1, Math.ceil(lines.length / room));
    let pageIndex = 0;
    for (;;) {
      const last = pageIndex === pages - 1;
      const footer = last
        ? pages > 1
          ? `Page ${pages} of ${pages} — p: previous page. Press Enter to go back`
          : 'Press Enter to go back'
        : `Page ${pageIndex + 1} of ${pages} — Space or n: next page, p: previous, q: back`;
      this.page(title, lines.slice(pageIndex * room, (pageIndex + 1) * room), ['', footer]);
      const key = await this.key();
      if ((isEnter(key) && last) || isEscape(key) || isInterrupt(key) || key.char === 'q') {
        return;
      }
      if ((key.char === ' ' || key.char === 'n' || isEnter(key)) && !last) {
        pageIndex++;
      } else if (key.char === 'p' && pageIndex > 0) {
        pageIndex--;
      }
    }
  }

  /**
   * Runs one step of an action with "Working…" on the screen. Keys are ignored meanwhile, and Ctrl-C does not
   * abandon the step: each backend call is atomic, and one stopped half-way would leave the router half changed.
   * No new step starts once the terminal is gone, except `cleanup` steps (unmounting a stick).
   */
  async working<T>(title: string, fn: () => Promise<T>, options: { cleanup?: boolean } = {}): Promise<T> {
    if (this.keys.isLost && options.cleanup !== true) {
      throw new TerminalLost('the terminal is gone');
    }
    this.page(title, ['Working…'], []);
    return this.keys.whileBusy(fn, () => this.terminal.write('\r\nFinishing the current step first…'));
  }

  private key(): Promise<Key> {
    return this.keys.next().then((key) => key!);
  }

  private echo(text: string, options: TextOptions): void {
    if (options.secret !== true) {
      this.terminal.write(text);
    }
  }
}

function isPrintable(key: Key): boolean {
  return !key.ctrl && key.char.length === 1 && key.char >= ' ' && key.char !== '\u007f';
}
