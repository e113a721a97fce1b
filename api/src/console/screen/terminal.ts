// The terminal itself: raw keys, the alternate screen when it is a TTY, whole-screen redraws, and the way back to
// how the terminal was on every exit path. Hand-written on purpose: the console must work on a bare 80x24 serial
// line with nothing but clear-and-home, and TUI libraries are either unmaintained and heavy (blessed) or need React
// (ink).
import { ANSI_PAINT, NO_PAINT, type Paint } from './text.js';

const CLEAR_HOME = '\u001b[H\u001b[2J';
const ALTERNATE_SCREEN = '\u001b[?1049h';
const MAIN_SCREEN = '\u001b[?1049l';
const SHOW_CURSOR = '\u001b[?25h';
const RESET_ATTRIBUTES = '\u001b[0m';

export class Terminal {
  readonly paint: Paint;
  private raw = false;
  private alternate = false;
  private broken = false;

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
    onBroken: () => void,
  ) {
    const colour = process.env.NO_COLOR === undefined && output.isTTY === true && output.hasColors();
    this.paint = colour ? ANSI_PAINT : NO_PAINT;
    // A hung-up terminal fails writes and setRawMode with EIO (emitted, not thrown): a lost terminal, not a crash.
    const broken = () => {
      this.broken = true;
      onBroken();
    };
    output.on('error', broken);
    input.on('error', broken);
  }

  /** Raw keys and the alternate screen; undone by leave(). */
  enter(): void {
    if (this.input.isTTY === true) {
      this.input.setRawMode(true);
      this.raw = true;
    }
    if (this.output.isTTY === true) {
      this.write(ALTERNATE_SCREEN);
      this.alternate = true;
    }
  }

  /** Cooked mode, the main screen and a visible cursor: safe to call more than once. */
  leave(): void {
    if (this.raw && this.input.isTTY === true && !this.input.destroyed && !this.broken) {
      this.input.setRawMode(false);
    }
    this.raw = false;
    this.write(RESET_ATTRIBUTES + SHOW_CURSOR + (this.alternate ? MAIN_SCREEN : ''));
    this.alternate = false;
  }

  /** Clears the screen and writes `lines`; the cursor stays at the end of the last one (where typing echoes). */
  draw(lines: string[]): void {
    this.write(CLEAR_HOME + lines.join('\r\n'));
  }

  write(text: string): void {
    if (!this.broken && !this.output.destroyed && this.output.writable) {
      this.output.write(text);
    }
  }
}
