/** A percentage for display: whole numbers, clamped to 0–100 so a rounding glitch never shows "101 %". */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) {
    return 'unknown';
  }
  // A no-break space keeps the number and its sign on one line.
  return `${Math.round(Math.min(100, Math.max(0, percent)))}\u00a0%`;
}

/** Share of `part` in `whole` as 0–100; 0 when the whole is empty rather than NaN. */
export function percentOf(part: number, whole: number): number {
  if (!(whole > 0)) {
    return 0;
  }
  return Math.min(100, Math.max(0, (part / whole) * 100));
}

/** Load averages read best with two decimals, as `uptime(1)` prints them. */
export function formatLoad(load: number): string {
  return Number.isFinite(load) ? load.toFixed(2) : 'unknown';
}

export function formatTemperature(celsius: number): string {
  return `${celsius.toFixed(1)}\u00a0°C`;
}
