/** A moment as an admin reads it: local date and time to the minute, with the zone. */
export function formatMoment(date: Date): string {
  return date.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}

/** A duration in words: "1 hour 59 minutes", "45 minutes", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60000);
  if (minutes < 1) return 'under a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const parts = [];
  if (hours > 0) parts.push(`${hours} hour${hours === 1 ? '' : 's'}`);
  if (rest > 0) parts.push(`${rest} minute${rest === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/** A moment near `now` as an admin reads it: "10:12 UTC" on the same local day, else the full date and time. */
export function formatNear(date: Date, now: Date): string {
  const sameDay = date.toLocaleDateString('en-GB') === now.toLocaleDateString('en-GB');
  return sameDay ? date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }) : formatMoment(date);
}
