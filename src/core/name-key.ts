/**
 * The search key of a name: accents removed (NFD, combining marks dropped), locale-independent
 * lower-case, runs of spaces, hyphens and apostrophes as one space. "Nguyễn  Văn-Minh" and
 * "nguyen van minh" share a key, so a name read over the phone finds its holder.
 */
export function nameKey(...parts: readonly string[]): string {
  // Two parts (a holder's first and last name) are joined without join(): measurably faster.
  const joined = parts.length === 2 ? `${parts[0]} ${parts[1]}` : parts.join(' ');
  // Fast paths: import computes this for every holder, and most names are plain ASCII, most of
  // them with nothing to fold but the case ("Mia Thomas").
  if (PLAIN_ASCII.test(joined)) {
    const lower = joined.toLowerCase();
    return ASCII_TO_FOLD.test(lower) ? lower.replace(SEPARATORS, ' ').trim() : lower;
  }
  return joined.normalize('NFD').replace(MARKS, '').toLowerCase().normalize('NFC').replace(SEPARATORS, ' ').trim();
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
// What SEPARATORS and trim() change in printable ASCII: a separator other than a lone inner space.
const ASCII_TO_FOLD = /[-'.,]| {2}|^ | $/;
const MARKS = /\p{M}+/gu;
const SEPARATORS = /[\s\-'’.,]+/gu;
