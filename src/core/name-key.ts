/**
 * The search key of a name: accents removed (NFD, combining marks dropped), locale-independent
 * lower-case, runs of spaces, hyphens and apostrophes as one space. "Nguyễn  Văn-Minh" and
 * "nguyen van minh" share a key, so a name read over the phone finds its holder.
 */
export function nameKey(...parts: readonly string[]): string {
  const joined = parts.join(' ');
  // Fast path: import computes this for every holder, and most names are plain ASCII.
  const folded = PLAIN_ASCII.test(joined) ? joined.toLowerCase() : joined.normalize('NFD').replace(MARKS, '').toLowerCase().normalize('NFC');
  return folded.replace(SEPARATORS, ' ').trim();
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
const MARKS = /\p{M}+/gu;
const SEPARATORS = /[\s\-'’.,]+/gu;
