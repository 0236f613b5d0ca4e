/** How an account id the admin typed matched the candidates. */
export type AccountIdMatch = { ok: true; accountId: string } | { ok: false; problem: 'unknown' | 'ambiguous'; candidates: string[] };

/**
 * Matches a typed account id against the ids in question: exactly, else regardless of letter
 * case when only one candidate fits that way ("a1003" for A1003). Ids that differ only in case
 * are ambiguous, and nothing is guessed.
 */
export function matchAccountId(typed: string, candidates: readonly string[]): AccountIdMatch {
  const given = typed.trim();
  if (candidates.includes(given)) return { ok: true, accountId: given };
  const folded = given.toLowerCase();
  const fits = [...new Set(candidates.filter((id) => id.toLowerCase() === folded))];
  if (fits.length === 1) return { ok: true, accountId: fits[0]! };
  return { ok: false, problem: fits.length > 1 ? 'ambiguous' : 'unknown', candidates: fits.length > 1 ? fits : [...new Set(candidates)] };
}
