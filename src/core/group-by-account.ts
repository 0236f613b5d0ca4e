import type { Holder } from './types.js';

/** Holders grouped by account, in first-seen order. */
export function groupByAccount(holders: readonly Holder[]): Map<string, Holder[]> {
  const groups = new Map<string, Holder[]>();
  for (const holder of holders) {
    const group = groups.get(holder.accountId);
    if (group) group.push(holder);
    else groups.set(holder.accountId, [holder]);
  }
  return groups;
}
