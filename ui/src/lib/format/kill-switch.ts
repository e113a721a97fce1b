import { formatClockTime } from './time';

/** The kill switch in a few words: on, off, or disarmed from the recovery console until a time (it re-arms then). */
export function formatKillSwitch(status: { killSwitch: boolean; killSwitchDisarmedUntil: string | null }): string {
  if (status.killSwitchDisarmedUntil !== null) {
    return `Disarmed from the recovery console until ${formatClockTime(Date.parse(status.killSwitchDisarmedUntil))}`;
  }
  return status.killSwitch ? 'On' : 'Off';
}
