import { shortForMessage } from '../../core/email.js';
import { UsageError } from '../../core/errors.js';

/** The longest wait a timer (and SQLite's busy timeout) can hold: 2^31 - 1 ms, about 24.8 days. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A commander parser for a whole number from 1 to `max`, naming the flag (and the unit, e.g.
 * "milliseconds") on bad input.
 */
export function positiveInt(flag: string, limits: { max?: number; unit?: string } = {}) {
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  const what = `a whole number${limits.unit ? ` of ${limits.unit}` : ''}`;
  return (value: string): number => {
    const parsed = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed <= 0 || parsed > max) {
      throw new UsageError(`${flag} needs ${what} ${limits.max === undefined ? 'above zero' : `from 1 to ${max}`}, got "${shortForMessage(value, 40)}".`);
    }
    return parsed;
  };
}
