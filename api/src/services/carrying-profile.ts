// Which profiles carry, or are about to carry, the household's traffic: what a delete with the kill switch off
// must not take away. burrowd decides failover, so the database alone cannot say which profile carries traffic.

export interface CarryingInputs {
  /** The profiles in priority order, as the database holds them. */
  readonly profiles: ReadonlyArray<{ readonly id: number; readonly enabled: boolean }>;
  /** The profile chosen by hand, if any. */
  readonly selectedId: number | null;
  /** The profile burrowd reports active, or null when it does not answer or runs none. */
  readonly reportedActiveId: number | null;
  /** Whether burrowd runs what the database says (the API's last state was applied). */
  readonly synced: boolean;
}

/**
 * The ids of the profiles that carry traffic now or will once burrowd has the database's state. When burrowd runs
 * the database's state, its own choice is the answer (after a failover that is the backup, not the first by
 * priority). Otherwise both count: what burrowd runs now, and the one the database's state would start with (the
 * one chosen by hand, else the first enabled).
 */
export function carryingProfileIds({ profiles, selectedId, reportedActiveId, synced }: CarryingInputs): number[] {
  const enabled = profiles.filter((profile) => profile.enabled);
  const reported = enabled.some((profile) => profile.id === reportedActiveId) ? reportedActiveId : null;
  if (reported !== null && synced) {
    return [reported];
  }
  const predicted = (enabled.find((profile) => profile.id === selectedId) ?? enabled[0])?.id ?? null;
  return [...new Set([reported, predicted])].filter((id): id is number => id !== null);
}
