import { escapeUnprintable } from '../core/email.js';

// The colour and weight codes this tool's chalk styles write (bold, dim, red, green, yellow,
// cyan and their resets). Nothing else that starts with ESC may pass: no cursor moves, titles,
// hyperlinks, clipboard writes or hidden text.
const OWN_STYLE = /\x1b\[(?:0|1|2|22|3[0-7]|39|9[0-7])m/g;

/**
 * Text made safe for a terminal: every control or invisible character is shown escaped
 * (escapeUnprintable), except line breaks and the tool's own colour codes. Everything the tool
 * prints to a terminal goes through here once (Context.print/notice, errors, prompts), so
 * names, addresses and settings from outside cannot drive the terminal.
 */
export function terminalText(text: string): string {
  let safe = '';
  let from = 0;
  for (const match of text.matchAll(OWN_STYLE)) {
    safe += escapeLines(text.slice(from, match.index)) + match[0];
    from = match.index + match[0].length;
  }
  return safe + escapeLines(text.slice(from));
}

function escapeLines(text: string): string {
  return text.includes('\n') ? text.split('\n').map(escapeUnprintable).join('\n') : escapeUnprintable(text);
}
