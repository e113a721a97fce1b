// A child's stdout and stderr as lines: each line goes to the log, and the last few are kept for error reports.
import { type Readable } from 'node:stream';

/** A "line" longer than this is logged in pieces, so a child without newlines cannot grow our memory. */
const MAX_LINE_CHARS = 8_192;

export class OutputLines {
  private readonly tail: string[] = [];

  /** `emit` receives every line; the last `tailLines` are kept for tailSnapshot(). */
  constructor(
    private readonly tailLines: number,
    private readonly emit: (line: string) => void,
  ) {}

  /** Forgets the kept lines: a new child starts. */
  clear(): void {
    this.tail.length = 0;
  }

  /** The last lines, oldest first. */
  tailSnapshot(): string[] {
    return [...this.tail];
  }

  /** Splits a stream into lines as it arrives; a last line without a newline is passed on at the end. */
  follow(stream: Readable): void {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      while (partial.length > MAX_LINE_CHARS) {
        lines.push(partial.slice(0, MAX_LINE_CHARS));
        partial = partial.slice(MAX_LINE_CHARS);
      }
      lines.forEach((line) => this.line(line));
    });
    stream.on('end', () => {
      if (partial !== '') {
        this.line(partial);
      }
    });
  }

  private line(line: string): void {
    this.tail.push(line);
    if (this.tail.length > this.tailLines) {
      this.tail.shift();
    }
    this.emit(line);
  }
}
