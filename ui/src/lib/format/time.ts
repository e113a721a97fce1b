/** A wall-clock time in the viewer's locale, e.g. "14:03:27". */
export function formatClockTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString();
}

/** The same instant as an ISO string, for `<time datetime>`. */
export function toIsoString(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** An ISO timestamp from the router as a date and time in the viewer's locale. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
