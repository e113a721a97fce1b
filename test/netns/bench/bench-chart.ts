// docs/performance.svg: each pair's median TCP throughput, both directions, as horizontal bars with their values,
// and a dashed line at the reference pair's figures. Plain SVG text written from the numbers: no chart library.
import { type PairSummary } from './bench-table.js';

const WIDTH = 800;
const LABEL_WIDTH = 300;
const VALUE_WIDTH = 70;
const BAR_HEIGHT = 16;
const BAR_GAP = 4;
const GROUP_GAP = 18;
const TOP = 56;
const COLOURS = { upload: '#2f6db5', download: '#e08a2c' } as const;

export function renderChart(pairs: readonly PairSummary[], caption: string): string {
  const values = pairs.flatMap(({ medians }) => [medians.upload ?? 0, medians.download ?? 0]);
  const scaleMax = niceCeiling(Math.max(1, ...values));
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const x = (mbit: number): number => LABEL_WIDTH + (plotWidth * mbit) / scaleMax;
  const groupHeight = 2 * BAR_HEIGHT + BAR_GAP + GROUP_GAP;
  const height = TOP + pairs.length * groupHeight + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"` +
      ` font-family="sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    `<title id="title">Tunnel throughput, iperf3 TCP medians in Mbit/s</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">Tunnel throughput (iperf3 TCP, Mbit/s, median)</text>`,
    `<text x="10" y="38" fill="#555555">${escape(caption)}</text>`,
    legend(LABEL_WIDTH, 38),
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const mbit = (scaleMax * tick) / 4;
    const tickX = x(mbit).toFixed(1);
    parts.push(
      `<line x1="${tickX}" y1="${TOP - 6}" x2="${tickX}" y2="${height - 34}" stroke="#e4e4e4"/>`,
      `<text x="${tickX}" y="${height - 20}" text-anchor="middle" fill="#555555">${mbit.toFixed(0)}</text>`,
    );
  }
  pairs.forEach((pair, index) => {
    const groupTop = TOP + index * groupHeight;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${groupTop + BAR_HEIGHT + 4}" text-anchor="end"${pair.isReference ? ' font-weight="bold"' : ''}>` +
        `${escape(pair.label)}</text>`,
    );
    (['upload', 'download'] as const).forEach((direction, row) => {
      const value = pair.medians[direction];
      const barTop = groupTop + row * (BAR_HEIGHT + BAR_GAP);
      const barEnd = x(value ?? 0);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${barTop}" width="${(barEnd - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}"` +
          ` fill="${COLOURS[direction]}"/>`,
        `<text x="${(barEnd + 4).toFixed(1)}" y="${barTop + BAR_HEIGHT - 4}">${value === undefined ? 'failed' : value.toFixed(0)}</text>`,
      );
    });
  });
  const reference = pairs.find((pair) => pair.isReference)?.medians;
  for (const direction of ['upload', 'download'] as const) {
    const value = reference?.[direction];
    if (value !== undefined) {
      const lineX = x(value).toFixed(1);
      parts.push(
        `<line x1="${lineX}" y1="${TOP - 6}" x2="${lineX}" y2="${height - 34}" stroke="${COLOURS[direction]}"` +
          ` stroke-dasharray="4 3"/>`,
      );
    }
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function legend(left: number, baseline: number): string {
  const item = (offset: number, colour: string, text: string): string =>
    `<rect x="${left + offset + 250}" y="${baseline - 20}" width="10" height="10" fill="${colour}"/>` +
    `<text x="${left + offset + 264}" y="${baseline - 11}">${text}</text>`;
  return item(0, COLOURS.upload, 'local → remote') + item(110, COLOURS.download, 'remote → local');
}

/** A round number at or above `value` (1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6 or 8 times a power of ten: quarters stay round). */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  const steps = [1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6, 8, 10];
  return steps.map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
