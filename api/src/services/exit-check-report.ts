// Reading burrowd's exit check (where the Internet sees the household), as it reports it in `status` and answers
// `exitCheck`: each field checked, so an odd report shows as "not checked" instead of breaking the page.
import { id, isRecord, text, time } from './report-fields.js';

export interface ExitCheckReport {
  /** The "what is my address" URL it fetched through the tunnel. */
  url: string;
  /** The public address the URL answered; null when the check failed. */
  address: string | null;
  /** When it was checked, epoch ms. */
  checkedAt: number;
  /** The profile whose tunnel carried the request. */
  profileId: number | null;
  /** Why it failed, in burrowd's words; null when it answered. */
  error: string | null;
}

export function readExitCheck(raw: unknown): ExitCheckReport | null {
  const checkedAt = isRecord(raw) ? time(raw['checkedAt']) : null;
  if (!isRecord(raw) || typeof raw['url'] !== 'string' || checkedAt === null) {
    return null;
  }
  return {
    url: raw['url'],
    address: text(raw['address']),
    checkedAt,
    profileId: id(raw['profileId']),
    error: text(raw['error']),
  };
}

/** The exit check inside a whole `status` report. */
export function readReportedExitCheck(status: unknown): ExitCheckReport | null {
  return isRecord(status) ? readExitCheck(status['exitCheck']) : null;
}
