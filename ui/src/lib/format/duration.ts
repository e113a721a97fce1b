const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A human-readable uptime such as "3 d 4 h 12 min". Leading zero units are dropped ("4 h 0 min",
 * "12 min"); under a minute it reads "under 1 min" so the value never looks stuck at zero.
 */
export function formatUptime(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) {
    return 'unknown';
  }
  const seconds = Math.floor(totalSeconds);
  if (seconds < MINUTE) {
    return 'under 1 min';
  }
  const days = Math.floor(seconds / DAY);
  const hours = Math.floor((seconds % DAY) / HOUR);
  const minutes = Math.floor((seconds % HOUR) / MINUTE);
  if (days > 0) {
    return `${days} d ${hours} h ${minutes} min`;
  }
  if (hours > 0) {
    return `${hours} h ${minutes} min`;
  }
  return `${minutes} min`;
}
