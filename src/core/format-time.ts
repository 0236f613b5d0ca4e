// Times as an admin reads them, in this machine's zone, written without Intl: the first use of
// Intl (any DateTimeFormat or toLocaleString) loads ICU's locale data, ~13 ms of every start
// that prints a time (measured with `npm run bench`). Date's local getters use the same zone.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const twoDigits = (n: number) => String(n).padStart(2, '0');

/** The zone's offset at that moment as a label: "UTC", "UTC+1", "UTC-5", "UTC+5:30". */
export function offsetLabel(date: Date): string {
  const minutesEast = -date.getTimezoneOffset();
  if (minutesEast === 0) return 'UTC';
  const sign = minutesEast > 0 ? '+' : '-';
  const hours = Math.floor(Math.abs(minutesEast) / 60);
  const minutes = Math.abs(minutesEast) % 60;
  return `UTC${sign}${hours}${minutes === 0 ? '' : `:${twoDigits(minutes)}`}`;
}

const localDay = (date: Date) => `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()}`;
const localTime = (date: Date) => `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())} ${offsetLabel(date)}`;

/** A moment as an admin reads it: local date and time to the minute, with the zone ("27 Nov 2026, 14:05 UTC+1"). */
export function formatMoment(date: Date): string {
  return `${localDay(date)}, ${localTime(date)}`;
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
  return localDay(date) === localDay(now) ? localTime(date) : formatMoment(date);
}
