import { COMMA, CR, LF, QUOTE } from './ascii.js';
import { formatCount } from './format-count.js';
import { Buffer } from 'node:buffer';
import { firstInvalidUtf8, InvalidUtf8Error, utf8FromLatin1 as fromBytes, Utf8Chunks } from './utf8-chunks.js';

/** One CSV record: its fields and the physical line (1-based) where it starts. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Where a parser's records go, in file order. */
export interface CsvSink {
  /** A record the parser read. */
  record(fields: string[], line: number): void;
  /**
   * Tried where each record starts, when given and the source is bytes: reads the record at
   * text[start…] (the bytes as Latin-1) by itself, one physical line, and returns the index of the line break (LF or CR) that ends it; or -1 to leave
   * the record to the parser.
   */
  fast?: (text: string, start: number, line: number) => number;
}

/** A malformed CSV (unterminated quote, a quote in the middle of an unquoted field...). */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    /** The line where the offending record starts, so the caller can point the user at it. */
    readonly line: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

// The byte order mark's UTF-8 bytes, as the parser reads them (see below).
const BOM = '\xef\xbb\xbf';
// The first byte value that is part of a multi-byte UTF-8 sequence.
const HIGH = 0x80;

// Parser states. The machine has to be resumable at any character, because chunk boundaries
// fall anywhere (inside a field, between a CR and its LF, between a quote and its escape).
const RECORD_START = 0; // nothing of the next record read yet; empty lines are skipped here
const FIELD_START = 1; // after a separator (or at the first character of a record)
const UNQUOTED = 2;
const QUOTED = 3;
const QUOTE_SEEN = 4; // a quote inside a quoted field: an escape ("") or the closing quote
const AFTER_CR = 5; // a CR ended a line; swallow a following LF so CRLF counts once

/** Longest field accepted: far beyond any name or address, well below what a string can hold. */
export const MAX_FIELD_CHARS = 1_000_000;
/** Most fields accepted in one record. */
export const MAX_FIELDS = 10_000;
/**
 * Longest record accepted, its fields together: a record is held whole while it is read, and the
 * import reads on a thread with a bounded heap (import-batches-in-worker.ts).
 */
export const MAX_RECORD_CHARS = 10_000_000;

const FIX_QUOTES = 'put the whole field in double quotes and write each " inside it as ""';

// The characters of a record's finished fields (checked once per chunk, while a record is open).
function charsOf(fields: readonly string[]): number {
  let chars = 0;
  for (const field of fields) chars += field.length;
  return chars;
}

// A length limit on text read as bytes: checked in characters once the bytes exceed it.
function longerThan(text: string, bytes: boolean, limit: number): boolean {
  return text.length > limit && (!bytes || fromBytes(text).length > limit);
}

/**
 * Incremental RFC 4180 state machine; state lives in fields so a chunk can end anywhere. It reads
 * the file's bytes as Latin-1 text (one character per byte) and decodes only the fields with a
 * byte ≥ 0x80 from UTF-8: the separators, quotes and line breaks are ASCII, never part of a
 * multi-byte character, and every other field stays a one-byte string, where decoding whole
 * chunks (with a few accented names in each) would make every string two bytes per character.
 */
class CsvParser {
  private state = RECORD_START;
  private fields: string[] = [];
  /** The field in progress when the previous chunk ended mid-field (unquoted text or unescaped quoted text). */
  private partial = '';
  /** The field in progress has a byte ≥ 0x80 (it is decoded when it ends). */
  private high = false;
  /** The text fed is bytes read as Latin-1 (a byte source), not text (a string source). */
  private bytes = true;
  /** The physical line the parser has reached (for errors found outside it, such as bad UTF-8). */
  line: number;
  private recordLine: number;
  private fieldLine: number;
  /** A quoted field's text ended a chunk with CR (already counted), so a leading LF must not count again. */
  private quotedCR = false;
  error: CsvSyntaxError | undefined;

  constructor(firstLine: number) {
    this.line = this.recordLine = this.fieldLine = firstLine;
  }

  /** Parses `s` (bytes as Latin-1 when `bytes`, else text), handing finished records to `sink`; on bad input sets `error` and stops. */
  feed(s: string, bytes: boolean, sink: CsvSink): void {
    if (bytes !== this.bytes) {
      // A source that mixes strings and bytes (tests do): the field in progress, in the new terms.
      if (bytes) this.high = /[^\x00-\x7f]/.test(this.partial);
      this.partial = bytes ? Buffer.from(this.partial, 'utf8').toString('latin1') : this.high ? fromBytes(this.partial) : this.partial;
      if (!bytes) this.high = false;
      this.bytes = bytes;
    }
    // Hot state in locals rather than `this.` so V8 can keep it in registers; written back at the end.
    let state = this.state;
    let fields = this.fields;
    let partial = this.partial;
    let high = this.high;
    // Text (not bytes): a character ≥ 0x80 is itself, nothing to decode.
    const decodes = bytes;
    let line = this.line;
    let recordLine = this.recordLine;
    // (Bytes only: a fast reader reads a character beyond ASCII as its UTF-8 bytes.)
    const fast = bytes ? sink.fast : undefined;
    const n = s.length;
    let i = 0;
    loop: while (i < n) {
      switch (state) {
        case RECORD_START: {
          const c = s.charCodeAt(i);
          if (c === LF) {
            line++;
            i++;
          } else if (c === CR) {
            line++;
            i++;
            state = AFTER_CR;
          } else {
            const end = fast === undefined ? -1 : fast(s, i, line);
            if (end >= 0) {
              // Read by the sink itself, line break included.
              line++;
              i = end + 1;
              if (s.charCodeAt(end) === CR) state = AFTER_CR;
              break;
            }
            recordLine = line;
            state = FIELD_START;
          }
          break;
        }
        case FIELD_START:
        case UNQUOTED: {
          if (state === FIELD_START) {
            if (s.charCodeAt(i) === QUOTE) {
              i++;
              this.fieldLine = line;
              state = QUOTED;
              break;
            }
            state = UNQUOTED;
          }
          // Consecutive unquoted fields are scanned here without going back through the switch.
          for (;;) {
            let j = i;
            let c = 0;
            while (j < n) {
              c = s.charCodeAt(j);
              // All four special characters are <= 44, so most characters cost two comparisons.
              if (c <= COMMA) {
                if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
              } else if (c >= HIGH) high = true;
              j++;
            }
            if (j === n) {
              partial += s.slice(i, n);
              i = n;
              break;
            }
            if (c === QUOTE) {
              this.fail(
                `stray " in unquoted field ${fields.length + 1} of the record on line ${recordLine}: ${FIX_QUOTES}`,
                recordLine,
              );
              break loop;
            }
            const value = partial === '' ? s.slice(i, j) : partial + s.slice(i, j);
            fields.push(high && decodes ? fromBytes(value) : value);
            partial = '';
            high = false;
            i = j + 1;
            if (c !== COMMA) {
              sink.record(fields, recordLine);
              fields = [];
              line++;
              state = c === CR ? AFTER_CR : RECORD_START;
              break;
            }
            if (i === n || s.charCodeAt(i) === QUOTE) {
              state = FIELD_START;
              break;
            }
          }
          break;
        }
        case QUOTED: {
          let j = i;
          if (this.quotedCR) {
            this.quotedCR = false;
            if (s.charCodeAt(j) === LF) j++;
          }
          let found = false;
          while (j < n) {
            const c = s.charCodeAt(j);
            if (c <= QUOTE) {
              if (c === QUOTE) {
                found = true;
                break;
              }
              if (c === LF) {
                line++;
              } else if (c === CR) {
                line++;
                if (j + 1 === n) this.quotedCR = true;
                else if (s.charCodeAt(j + 1) === LF) j++;
              }
            } else if (c >= HIGH) high = true;
            j++;
          }
          partial += s.slice(i, j);
          if (!found) {
            i = n;
            break;
          }
          i = j + 1;
          state = QUOTE_SEEN;
          break;
        }
        case QUOTE_SEEN: {
          const c = s.charCodeAt(i);
          if (c === QUOTE) {
            partial += '"';
            i++;
            state = QUOTED;
          } else if (c === COMMA) {
            fields.push(high && decodes ? fromBytes(partial) : partial);
            partial = '';
            high = false;
            i++;
            state = FIELD_START;
          } else if (c === LF || c === CR) {
            fields.push(high && decodes ? fromBytes(partial) : partial);
            partial = '';
            high = false;
            sink.record(fields, recordLine);
            fields = [];
            line++;
            i++;
            state = c === CR ? AFTER_CR : RECORD_START;
          } else {
            this.fail(
              `unexpected text after the closing " of field ${fields.length + 1} ` +
                `in the record on line ${recordLine}: ${FIX_QUOTES}`,
              recordLine,
            );
            break loop;
          }
          break;
        }
        case AFTER_CR:
          if (s.charCodeAt(i) === LF) i++;
          state = RECORD_START;
          break;
      }
    }
    this.state = state;
    this.fields = fields;
    this.partial = partial;
    this.high = high && decodes;
    this.line = line;
    this.recordLine = recordLine;
    // A runaway field (usually a quote that never closes) would otherwise grow until memory runs out.
    if (!this.error && longerThan(partial, this.high, MAX_FIELD_CHARS)) {
      this.fail(`field ${fields.length + 1} of the record on line ${recordLine} is longer than ${formatCount(MAX_FIELD_CHARS)} characters: is a closing " missing?`, recordLine);
    } else if (!this.error && fields.length > MAX_FIELDS) {
      this.fail(`the record on line ${recordLine} has more than ${formatCount(MAX_FIELDS)} fields: is this a CSV export?`, recordLine);
    } else if (!this.error && fields.length > 0 && charsOf(fields) + partial.length > MAX_RECORD_CHARS && charsOf(fields) + (this.high ? fromBytes(partial) : partial).length > MAX_RECORD_CHARS) {
      this.fail(`the record on line ${recordLine} is longer than ${formatCount(MAX_RECORD_CHARS)} characters: is this a CSV export?`, recordLine);
    }
  }

  /** Finishes the input: hands over a record that had no final line break, or reports an open quote. */
  end(sink: CsvSink): void {
    if (this.error) return;
    switch (this.state) {
      case QUOTED: {
        const where =
          this.fieldLine === this.recordLine
            ? `line ${this.fieldLine}`
            : `line ${this.fieldLine} (in the record that starts on line ${this.recordLine})`;
        this.fail(
          `unterminated quoted field starting on ${where}, field ${this.fields.length + 1}: ` +
            'add the closing " at the end of the field, and write each " inside it as ""',
          this.recordLine,
        );
        return;
      }
      case FIELD_START: // the input ended right after a separator: the last field is empty
      case UNQUOTED:
      case QUOTE_SEEN:
        this.fields.push(this.high ? fromBytes(this.partial) : this.partial);
        sink.record(this.fields, this.recordLine);
        this.fields = [];
        this.partial = '';
        this.high = false;
        this.state = RECORD_START;
        return;
    }
  }

  private fail(message: string, line: number): void {
    this.error = new CsvSyntaxError(message, line);
  }
}

/** Streams RFC 4180 records out of byte/string chunks (e.g. fs.createReadStream or process.stdin). */
export async function* csvRecords(source: AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord> {
  for await (const records of csvRecordBatches(source)) yield* records;
}

/**
 * Where a source starts in its file: at the beginning (the default; a byte order mark is dropped),
 * or at the start of a record further on (a later part of a split file, see export-split.ts), on
 * the given physical line, with nothing to drop.
 */
export interface CsvStart {
  line: number;
}

/**
 * The same records a chunk's worth at a time: one array per chunk instead of one promise per
 * record (a million-row export would otherwise spend a quarter second resolving promises).
 * Throws CsvSyntaxError after the records that precede the problem.
 */
export async function* csvRecordBatches(source: AsyncIterable<string | Buffer>, start?: CsvStart): AsyncGenerator<CsvRecord[]> {
  let out: CsvRecord[] = [];
  const sink: CsvSink = { record: (fields, line) => void out.push({ line, fields }) };
  for await (const _ of readCsvInto(source, sink, start)) {
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
}

/**
 * Reads a source's records into `sink`, a chunk at a time (yielding after each): the parsing loop
 * stays synchronous and tight, and the sink holds at most a chunk's worth of what it makes of them.
 * Throws CsvSyntaxError after the records that precede the problem have gone to the sink.
 */
export async function* readCsvInto(source: AsyncIterable<string | Buffer>, sink: CsvSink, start?: CsvStart): AsyncGenerator<void> {
  const parser = new CsvParser(start?.line ?? 1);
  // The bytes as Latin-1 text for the parser (see CsvParser), checked to be UTF-8 as they come; a
  // string source's text is read as its UTF-8 bytes too. The BOM is dropped at the file's
  // beginning only: further on, U+FEFF is a character of the text.
  const decoder = new Utf8Chunks(true);
  let started = start !== undefined;
  // The file's first characters, until there are enough to tell a BOM.
  let head = '';

  // Invalid UTF-8 (say, a Latin-1 export) would silently turn names and addresses into U+FFFD.
  // The text before the bad bytes is read first: a CSV error in it comes first in the file, and
  // the reader then stands on the bad bytes' line (however the bytes were cut into chunks).
  const decode = (read: () => string): string => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof InvalidUtf8Error)) throw error;
      feed(error.bytes.subarray(0, firstInvalidUtf8(error.bytes)).toString('latin1'), true);
      if (parser.error) throw parser.error;
      throw new CsvSyntaxError(`the file is not UTF-8 text (invalid bytes on line ${parser.line}): export or save it as "CSV UTF-8" and import again`, parser.line);
    }
  };

  const feed = (text: string, bytes: boolean): void => {
    if (!started) {
      if (bytes) {
        head += text;
        // The first bytes may be a BOM cut by the chunk's end (an incomplete character: if the
        // source ends there, the UTF-8 check refuses it).
        if (head.length < BOM.length && BOM.startsWith(head)) return;
        text = head.startsWith(BOM) ? head.slice(BOM.length) : head;
        head = '';
      } else {
        if (text.length === 0) return;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      started = true;
    }
    if (text.length > 0) parser.feed(text, bytes, sink);
  };

  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      // Bytes before a string chunk can't be completed by it: a character still cut is invalid.
      decode(() => (decoder.endLatin1(), ''));
      feed(chunk, false);
    } else {
      feed(decode(() => decoder.writeLatin1(chunk)), true);
    }
    yield;
    if (parser.error) throw parser.error;
  }
  decode(() => (decoder.endLatin1(), ''));
  parser.end(sink);
  yield;
  if (parser.error) throw parser.error;
}
