/**
 * The search key of a name: accents removed (NFD, combining marks dropped), locale-independent
 * lower-case, runs of spaces, hyphens and apostrophes as one space. "Nguyễn  Văn-Minh" and
 * "nguyen van minh" share a key, so a name read over the phone finds its holder.
 */
export function nameKey(...parts: readonly string[]): string {
  // Two parts (a holder's first and last name) are joined without join(): measurably faster.
  const joined = parts.length === 2 ? `${parts[0]} ${parts[1]}` : parts.join(' ');
  // Fast paths, for import computes this for every holder: printable ASCII, most of it with
  // nothing to fold but the case ("Mia Thomas"), and Latin letters folded a letter at a time.
  let folded: string | null = PLAIN_ASCII.test(joined) ? joined.toLowerCase() : foldLatin(joined);
  if (folded === null) folded = joined.normalize('NFD').replace(MARKS, '').toLowerCase().normalize('NFC');
  return ASCII_TO_FOLD.test(folded) || !PLAIN_ASCII.test(folded) ? folded.replace(SEPARATORS, ' ').trim() : folded;
}

const PLAIN_ASCII = /^[\x20-\x7e]*$/;
// What SEPARATORS and trim() change in printable ASCII: a separator other than a lone inner space.
const ASCII_TO_FOLD = /[-'.,]| {2}|^ | $/;
const MARKS = /\p{M}+/gu;
const SEPARATORS = /[\s\-'’.,]+/gu;

// The key of each Latin letter from U+00C0 to U+024F, by the rule above applied to it alone.
// Letter by letter gives the same key as the whole name: NFD only splits a letter from its marks
// (all dropped), none of these letters changes case by context, and without marks NFC changes
// nothing. A letter whose key would hold anything but printable ASCII or these letters is left
// out (the whole name then takes the general path).
const LATIN_FIRST = 0xc0;
const LATIN_LAST = 0x24f;
// Made on first use: most starts never fold a non-ASCII name, and making it costs ~1 ms.
let latinKeys: (string | undefined)[] | undefined;
function makeLatinKeys(): (string | undefined)[] {
  const keys: (string | undefined)[] = [];
  for (let code = LATIN_FIRST; code <= LATIN_LAST; code++) {
    const key = String.fromCharCode(code).normalize('NFD').replace(MARKS, '').toLowerCase().normalize('NFC');
    keys.push(/^[\x20-\x7e\u00c0-\u024f]*$/.test(key) ? key : undefined);
  }
  return keys;
}

/**
 * The key of one Latin letter from U+00C0 to U+024F, as nameKey folds it within a name, or
 * undefined (for a code outside that range, or a letter whose name takes nameKey's general path).
 */
export function latinLetterKey(code: number): string | undefined {
  return code >= LATIN_FIRST && code <= LATIN_LAST ? (latinKeys ??= makeLatinKeys())[code - LATIN_FIRST] : undefined;
}

// The name folded a letter at a time, or null when it holds anything but printable ASCII and
// the letters above.
function foldLatin(name: string): string | null {
  let out = '';
  let from = 0;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x20 && code <= 0x7e) continue;
    const key = latinLetterKey(code);
    if (key === undefined) return null;
    out += name.slice(from, i) + key;
    from = i + 1;
  }
  return (out + name.slice(from)).toLowerCase();
}
