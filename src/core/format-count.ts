/**
 * A whole number with thousands separators, "1,000,000", as `toLocaleString('en-US')` writes it,
 * without Intl: its first use loads ICU's locale data (~13 ms of a start).
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
