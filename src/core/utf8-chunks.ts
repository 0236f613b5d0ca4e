import { Buffer, isAscii, isUtf8 } from 'node:buffer';

/** Bytes that are not UTF-8, met by a decoder that refuses them. */
export class InvalidUtf8Error extends Error {
  constructor(
    /** The chunk's bytes (with any held back from the chunk before) that hold the invalid sequence. */
    readonly bytes: Buffer,
  ) {
    super('invalid UTF-8');
    this.name = 'InvalidUtf8Error';
  }
}

/**
 * Decodes UTF-8 a chunk at a time, holding back a character cut at a chunk's end until the next
 * chunk. Node's own decoding of whole buffers is several times faster than a streaming
 * TextDecoder (which a file with a few non-ASCII names would otherwise go through for every
 * chunk). `fatal`: invalid bytes throw InvalidUtf8Error; otherwise they read as U+FFFD.
 */
export class Utf8Chunks {
  private pending: Buffer | null = null;

  constructor(private readonly fatal: boolean) {}

  /** The text of the complete characters read so far. */
  write(chunk: Buffer): string {
    const bytes = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (isAscii(bytes)) return bytes.toString('latin1');
    const end = completeLength(bytes);
    if (end < bytes.length) this.pending = Buffer.from(bytes.subarray(end));
    const complete = bytes.subarray(0, end);
    if (this.fatal && !isUtf8(complete)) throw new InvalidUtf8Error(bytes);
    return complete.toString('utf8');
  }

  /** Whatever was held back (an incomplete character at the very end is invalid). */
  end(): string {
    const rest = this.pending;
    this.pending = null;
    if (!rest) return '';
    if (this.fatal && !isUtf8(rest)) throw new InvalidUtf8Error(rest);
    return rest.toString('utf8');
  }

  /**
   * The chunk's complete characters' bytes as Latin-1 text, one character per byte (a CSV reader
   * that decodes only the fields with bytes ≥ 0x80 keeps every other string one byte per
   * character, where a decoded chunk with one accent makes all its text two), after checking
   * (fatal) that they are UTF-8; a character cut at the chunk's end is held for the next one, as
   * `write` holds it, so no byte is read before it is checked.
   */
  writeLatin1(chunk: Buffer): string {
    if (this.pending === null && isAscii(chunk)) return chunk.toString('latin1');
    const bytes = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    const end = completeLength(bytes);
    const complete = bytes.subarray(0, end);
    if (this.fatal && !isUtf8(complete)) throw new InvalidUtf8Error(bytes);
    if (end < bytes.length) this.pending = Buffer.from(bytes.subarray(end));
    return complete.toString('latin1');
  }

  /** After writeLatin1: the end of the bytes, where a character still cut is invalid (fatal). */
  endLatin1(): void {
    const rest = this.pending;
    this.pending = null;
    if (rest && this.fatal && !isUtf8(rest)) throw new InvalidUtf8Error(rest);
  }

  /** True when no bytes are held back. */
  get empty(): boolean {
    return this.pending === null;
  }
}

/**
 * Where the first byte that is not part of valid UTF-8 is (a sequence cut by the end counts as
 * invalid), or the length when there is none: the same rule as `isUtf8` (no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // The sequence's length after its lead byte, and the range its second byte must be in.
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    if (i + more >= n) return i;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return i;
    for (let k = 2; k <= more; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += more + 1;
  }
  return n;
}

// How many leading bytes of `bytes` end on a character boundary: a lead byte among the last three
// whose sequence runs past the end starts the part held back.
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  for (let k = n - 1; k >= 0 && k >= n - 3; k--) {
    const b = bytes[k]!;
    if (b < 0x80) return n;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return n - k < need ? k : n;
    }
  }
  return n;
}

/** The text that bytes read as Latin-1 (one character per byte, see csv-records.ts) are in UTF-8. */
export function utf8FromLatin1(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
