import { editDistance } from './edit-distance.js';

/** Mail providers whose near-misses are worth a suggestion. */
export const COMMON_DOMAINS = [
  'gmail.com', 'googlemail.com', 'yahoo.com', 'ymail.com', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net',
  'protonmail.com', 'proton.me', 'gmx.com', 'mail.com', 'yahoo.co.uk', 'hotmail.co.uk', 'btinternet.com',
  'yahoo.ca', 'hotmail.fr', 'orange.fr', 'web.de', 'gmx.de', 't-online.de', 'fastmail.com', 'zoho.com',
] as const;

const commonDomains = new Set<string>(COMMON_DOMAINS);

// Short domains need a tighter bound, or "me.com" would "correct" every two-letter domain.
function allowedDistance(domain: string): number {
  return domain.length <= 7 ? 1 : 2;
}

/** The provider domain a (normalized) domain most likely meant, or null when it looks right. */
export function likelyDomain(domain: string): string | null {
  if (commonDomains.has(domain)) return null;
  let best: { domain: string; distance: number } | null = null;
  for (const candidate of COMMON_DOMAINS) {
    const max = allowedDistance(candidate);
    const distance = editDistance(domain, candidate, max);
    if (distance <= max && (best === null || distance < best.distance)) best = { domain: candidate, distance };
  }
  return best?.domain ?? null;
}

/** The address with its mistyped provider domain corrected, or null when the domain looks right. */
export function correctedProviderAddress(emailKey: string): string | null {
  const at = emailKey.lastIndexOf('@');
  if (at < 0) return null;
  const domain = likelyDomain(emailKey.slice(at + 1));
  return domain === null ? null : `${emailKey.slice(0, at + 1)}${domain}`;
}

/**
 * Likely intended addresses for a key no holder uses (or whose domain looks mistyped): stored
 * addresses within a small edit distance first (nearest first), then the common-provider
 * correction. Never more than `limit`; never the key itself.
 */
export function rankSuggestions(emailKey: string, storedCandidates: readonly string[], limit = 5): string[] {
  const max = emailKey.length <= 12 ? 2 : 3;
  const near = [...new Set(storedCandidates)]
    .filter((candidate) => candidate !== emailKey)
    .map((candidate) => ({ candidate, distance: editDistance(emailKey, candidate, max) }))
    .filter((entry) => entry.distance <= max)
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .map((entry) => entry.candidate);
  const corrected = correctedProviderAddress(emailKey);
  const all = corrected !== null && !near.includes(corrected) ? [...near, corrected] : near;
  return all.slice(0, limit);
}

/** The prefixes whose stored addresses are candidates for `rankSuggestions` (index range scans). */
export function suggestionPrefixes(emailKey: string): string[] {
  const at = emailKey.lastIndexOf('@');
  const local = at < 0 ? emailKey : emailKey.slice(0, at);
  const prefixes = new Set<string>();
  if (at >= 0) prefixes.add(`${local}@`); // same person, another domain
  const chars = [...local];
  if (chars.length >= 2) prefixes.add(chars.slice(0, 2).join('')); // a typo later in the address
  if (chars.length >= 2) prefixes.add(chars[1]! + chars[0]!); // the first two letters swapped
  if (chars.length >= 1) prefixes.add(chars[0]!); // a typo in the second letter (the nearest few hundred only)
  return [...prefixes];
}
