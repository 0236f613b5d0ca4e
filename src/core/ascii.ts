// The ASCII codes that the byte-level readers and writers test for (the CSV reader, the import's
// fast lane, COPY text, the export's cut), named once. The text they read is bytes as Latin-1:
// one code below 256 per byte.

/** Tab. */
export const TAB = 9;
/** Line feed. */
export const LF = 10;
/** Carriage return. */
export const CR = 13;
/** Space. */
export const SPACE = 32;
/** Double quote. */
export const QUOTE = 34;
/** Comma. */
export const COMMA = 44;
/** Backslash. */
export const BACKSLASH = 92;
/** The last printable ASCII character. */
export const TILDE = 126;
/** Delete, a control character. */
export const DEL = 127;

/** Each byte in lower case: A–Z folded to a–z, every other byte (beyond ASCII too) as it is. */
export const ASCII_LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) ASCII_LOWER[c] = c >= 65 && c <= 90 ? c + 32 : c;
