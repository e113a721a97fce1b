// Lines for an 80x24 serial terminal: cut to fit, and painted only when the terminal shows colour. Meaning never
// rides on colour alone: every painted word says what it means in text too.

/** One column short of 80, so a terminal that wraps at the last column never wraps a line of ours. */
export const WIDTH = 79;
export const ROWS = 24;

// Matching control characters is the point: they are what a terminal would obey.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Removes control characters (a hostname or a file name must not move the cursor) and cuts to `width`. */
export function fit(line: string, width = WIDTH): string {
  const clean = line.replace(CONTROL, '?');
  return clean.length <= width ? clean : `${clean.slice(0, width - 1)}…`;
}

/** Two columns on one line: `left` cut to fit, `right` kept whole at the right edge when there is room. */
export function spread(left: string, right: string, width = WIDTH): string {
  const room = width - right.length - 1;
  if (room < 10) {
    return fit(left, width);
  }
  return `${fit(left, room).padEnd(room)} ${right}`;
}

export interface Paint {
  bold(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

const SGR = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;

export const NO_PAINT: Paint = { bold: (text) => text, good: (text) => text, bad: (text) => text };
export const ANSI_PAINT: Paint = { bold: SGR('1'), good: SGR('32'), bad: SGR('1;31') };

/** Cuts a whole page of lines to the terminal's size. */
export function fitPage(lines: string[], rows = ROWS, width = WIDTH): string[] {
  return lines.slice(0, rows).map((line) => fit(line, width));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Breaks a message into lines of at most `width` at spaces (a word longer than that is cut). */
export function wrap(text: string, width = WIDTH): string[] {
  return text.split('\n').flatMap((paragraph) => {
    const lines: string[] = [];
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = '';
      }
      line = line === '' ? word : `${line} ${word}`;
    }
    lines.push(line);
    return lines.map((piece) => fit(piece, width));
  });
}
