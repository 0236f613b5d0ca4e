// Colour codes take no room on screen; they are skipped when measuring.
const STYLE = /\x1b\[[0-9;]*m/g;

// What starts a list item or a mark: the continuation lines hang under the text after it.
const MARKER = /^(\s*)((?:\d+\.|[-*•→✔✖!i?])\s+)?/u;

/** The width a string takes on screen (colour codes excluded; each code point one column). */
export function visibleWidth(text: string): number {
  return [...text.replace(STYLE, '')].length;
}

/**
 * Wraps each line of `text` to `width` columns at spaces, with a hanging indent: continuation
 * lines start under the text after the line's indent and mark ("  1. ", "✔ ", "    → "). A word
 * longer than the room (a link, a path) stays whole on a line of its own, so it can be copied.
 */
export function wrapText(text: string, width: number): string {
  if (!(width > 20)) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string {
  if (visibleWidth(line) <= width) return line;
  const plain = line.replace(STYLE, '');
  const head = MARKER.exec(plain)?.[0] ?? '';
  // A hanging indent wider than half the screen leaves no room: fall back to the line's own indent.
  const hang = ' '.repeat(visibleWidth(head) <= width / 2 ? visibleWidth(head) : (/^\s*/.exec(plain)?.[0].length ?? 0));
  const words = line.split(/(?<=\S) +(?=\S)/);
  const out: string[] = [];
  let current = '';
  for (const word of words) {
    if (current === '') current = word;
    else if (visibleWidth(current) + 1 + visibleWidth(word) <= width) current += ` ${word}`;
    else {
      out.push(current);
      current = hang + word;
    }
  }
  out.push(current);
  return out.join('\n');
}
