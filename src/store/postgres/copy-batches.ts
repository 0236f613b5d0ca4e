import { Buffer } from 'node:buffer';
import { ASCII_LOWER, LF, QUOTE, SPACE, TAB, TILDE } from '../../core/ascii.js';
import { ACCOUNT_FIELDS, HOLDER_FIELDS, type ImportBatch, type RowOutput } from '../../core/import-batches.js';
import type { ImportRow } from '../../core/import-row.js';
import { latinLetterKey, nameKey } from '../../core/name-key.js';
import { utf8FromLatin1 } from '../../core/utf8-chunks.js';
import { LATIN_FIRST_NAME, LATIN_LAST_NAME, SIMPLE, type SimpleRow } from '../../core/simple-row.js';

const H = HOLDER_FIELDS.length;

/**
 * A batch's rows as COPY text (PostgreSQL's text format): `holders` has one line per valid row,
 * in HOLDER_FIELDS order; `accounts` one line per run of rows of one account that ended in the
 * batch (a run may go on over several batches; the last one comes with the end of the file):
 * account_id, name, first_line, whether the account may have had a run before (t or f: f is
 * certain, t may be wrong) and its primaries, so that an export that lists each account's rows
 * together (nearly all) needs no grouping of its accounts, and one in any order is still read right.
 */
export interface CopyText {
  /** The text, or its UTF-8 bytes once encoded to cross threads (see import-worker.ts). */
  holders: string | Uint8Array;
  accounts: string;
  holderCount: number;
  /**
   * The batch comes from the later part of a file read in two (export-split.ts): its account lines'
   * `f` holds within that part only, until checked against the first part's filter (settleLaterRuns).
   */
  laterPart?: boolean;
  /** The first part's accounts seen, on a batch of its own after that part's last one. */
  seen?: AccountsSeen;
}

/**
 * Batches that can write each row's id into their COPY text (the parsing threads' batches, see
 * import-batches-in-worker.ts): the store says, before it reads the first, the last id it holds;
 * a row's id is then that plus the row's line in the file (lines only grow, so ids do too, and
 * the server assigns none: its `nextval` per row cost 0.23 s of its CPU at 1M rows).
 */
export interface NumberedRows {
  numberRowsAfter(lastId: number): void;
}

/** A batch whose rows are COPY text; its `holders` and `accounts` arrays are then empty. */
export type CopyReadyBatch = ImportBatch & { copy: CopyText };

/**
 * The accounts a writer met (by their COPY text): the largest in code-unit order, and a filter
 * of them all (a Bloom filter, 2 MB whatever the file's size): false positives only (about 0.1 %
 * at 600,000 accounts), which cost a little grouping, never a wrong result.
 */
export interface AccountsSeen {
  max: string;
  filter: Uint32Array;
}

const FILTER_BITS = 1 << 24;
const FILTER_HASHES = 3;

// A value's two hashes (FNV-1a of its UTF-16 code units, and another), left in HASHES: an
// account's bits are h1 + i * h2 (double hashing).
const HASHES = new Int32Array(2);
function hash(value: string): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  HASHES[0] = h1;
  HASHES[1] = h2 | 1;
}

// Whether the filter has the bits of hashes h1, h2 all set; sets them when `mark`.
function hasBits(filter: Uint32Array, h1: number, h2: number, mark: boolean): boolean {
  let seen = true;
  for (let i = 0; i < FILTER_HASHES; i++) {
    const bit = (h1 + Math.imul(i, h2)) & (FILTER_BITS - 1);
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((filter[word]! & mask) === 0) {
      seen = false;
      if (!mark) return false;
      filter[word]! |= mask;
    }
  }
  return seen;
}

/** Whether an account (its COPY text) may be among the accounts a writer met (CopyWriter.seen). */
export function mayHaveSeen(seen: AccountsSeen, accountId: string): boolean {
  if (accountId > seen.max) return false;
  hash(accountId);
  return hasBits(seen.filter, HASHES[0]!, HASHES[1]!, false);
}

// Accounts' marks a writer sets in its filter a batch at a time: a filter far larger than the
// caches costs a miss a look-up, and one a row apart cost about 0.15 s per 1M rows and thread;
// set in a loop, the misses overlap.
const PENDING_MARKS = 1024;

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

// COPY's text format: backslash escapes for the characters that delimit rows and fields. A test
// first: almost no value has one, and a test allocates nothing.
function copyField(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

// '' in a batch stands for "no email": NULL, written \N.
function nullable(value: string): string {
  return value === '' ? '\\N' : copyField(value);
}

// Room for a batch's COPY text and for its account lines; a batch that needs more gets a larger buffer.
const BATCH_BYTES = 128 * 1024;
const ACCOUNT_BYTES = 64 * 1024;
const LETTER_T = 116;
const LETTER_F = 102;
const PRIMARY_TAB = Buffer.from('primary\t');
const SECONDARY_TAB = Buffer.from('secondary\t');
// What nameKey turns a run of into one space (its SEPARATORS, as printable ASCII has them).
// A name's bytes (as Latin-1: codes below 256) by what its key makes of them: a letter or another
// character kept (in lower case), a separator, or a byte of a Latin letter beyond ASCII.
const NAME_KEPT = 0;
const NAME_SEPARATOR = 1;
const NAME_BEYOND_ASCII = 2;
const NAME_BYTE = new Uint8Array(256).fill(NAME_BEYOND_ASCII, TILDE + 1);
for (const c of " -'.,") NAME_BYTE[c.charCodeAt(0)] = NAME_SEPARATOR;

// A number's decimal digits at out[at…] (a line number or an id: below 2^31, integer
// arithmetic); returns the index after them.
function writeDigits(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
  for (let i = digits - 1, rest = n; i >= 0; i--, rest = (rest / 10) | 0) out[at + i] = 48 + (rest % 10);
  return at + digits;
}

// A name field of a simple row as text: its bytes, decoded when `beyondAscii`.
function nameText(text: string, row: Int32Array, slot: number, beyondAscii: number): string {
  const bytes = text.slice(row[slot]!, row[slot + 1]!);
  return beyondAscii === 0 ? bytes : utf8FromLatin1(bytes);
}

/**
 * Writes the valid rows of one file as COPY text (UTF-8 bytes), a batch at a time, with each run's
 * account line (CopyText). Stateful (a run of one account may go on into the next batch): one
 * writer per file (or part), given every row in order, as the import reader's output
 * (import-batches.ts's RowOutput) or a batch of rows at a time (`format`).
 */
export class CopyWriter implements RowOutput {
  // The run in progress: its account (as read, and as COPY text), where its line starts in the
  // account lines' bytes (-1: none), whether its account may have been met before, its primaries.
  #account = '';
  #id = '';
  #runAt = -1;
  #seenBefore = false;
  #primaries = 0;
  // The accounts met: the largest, the filter, and the marks not set in it yet (h1, h2 each).
  #maxId = '';
  #filter = new Uint32Array(FILTER_BITS / 32);
  #marks = new Int32Array(2 * PENDING_MARKS);
  #markCount = 0;
  // The batch in progress: its rows' bytes, its account lines' bytes (the run in progress's line
  // last, unfinished), its rows. Bytes, not strings: a string built per run cost 250 bytes of
  // garbage a run, half of all the parsing thread allocated.
  #bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
  #length = 0;
  #accounts = Buffer.allocUnsafeSlow(ACCOUNT_BYTES);
  #accountsLength = 0;
  #holders = 0;

  /**
   * `laterPart`: the rows are the later part of a file read in two (see CopyText.laterPart).
   * `idBase`: each row's line starts with its id, this plus the row's line in the file (see
   * NumberedRows); null for none.
   */
  constructor(
    readonly laterPart = false,
    readonly idBase: number | null = null,
  ) {}

  /** The accounts met so far (by their COPY text), for settleLaterRuns. */
  get seen(): AccountsSeen {
    this.#setMarks();
    return { max: this.#maxId, filter: this.#filter };
  }

  // Whether the account (its COPY text) may have been met before; it is from now on. One larger
  // than every account before was not (as exports list accounts, nearly all): no look-up then.
  #meet(id: string): boolean {
    let seen = false;
    if (id > this.#maxId) this.#maxId = id;
    else {
      this.#setMarks();
      seen = mayHaveSeen({ max: this.#maxId, filter: this.#filter }, id);
    }
    hash(id);
    const at = 2 * this.#markCount++;
    this.#marks[at] = HASHES[0]!;
    this.#marks[at + 1] = HASHES[1]!;
    if (this.#markCount === PENDING_MARKS) this.#setMarks();
    return seen;
  }

  #setMarks(): void {
    const marks = this.#marks;
    for (let i = 0; i < 2 * this.#markCount; i += 2) hasBits(this.#filter, marks[i]!, marks[i + 1]!, true);
    this.#markCount = 0;
  }

  // A run of the account starts, its name given as read: the line of the one before is done.
  #startRun(accountId: string, name: string, line: number): void {
    const text = copyField(name);
    let at = this.#openRun(accountId, 3 * text.length);
    at += this.#accounts.write(text, at);
    this.#closeRunHead(at, line);
  }

  // Likewise, its name the bytes text[from, to) of a simple row (UTF-8 as Latin-1, nothing to
  // escape in COPY text), each escaped quote there two ("", see SimpleRow): one is written.
  #startSimpleRun(accountId: string, text: string, from: number, to: number, line: number): void {
    let at = this.#openRun(accountId, to - from);
    const out = this.#accounts;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      out[at++] = c;
      if (c === QUOTE) i++;
    }
    this.#closeRunHead(at, line);
  }

  // Ends the run before and starts the account's line (its id and a tab), with room for
  // `nameBytes` more; returns where the name goes.
  #openRun(accountId: string, nameBytes: number): number {
    this.#endRun();
    this.#account = accountId;
    // The account as COPY text (escaping is one-to-one): what settleLaterRuns reads from a line.
    const id = (this.#id = copyField(accountId));
    this.#seenBefore = this.#meet(id);
    const out = this.#accountsRoom(3 * id.length + nameBytes + 32);
    let at = (this.#runAt = this.#accountsLength);
    at += out.write(id, at);
    out[at++] = TAB;
    return at;
  }

  // The rest of a run's line as far as it is known at its start: its first line, t or f.
  #closeRunHead(at: number, line: number): void {
    const out = this.#accounts;
    out[at++] = TAB;
    at = writeDigits(out, at, line);
    out[at++] = TAB;
    out[at++] = this.#seenBefore ? LETTER_T : LETTER_F;
    this.#accountsLength = at;
  }

  // The run going on ends (the next row starts another, or the file ends): its primaries end its line.
  #endRun(): void {
    if (this.#runAt < 0) return;
    const out = this.#accountsRoom(16);
    let at = this.#accountsLength;
    out[at++] = TAB;
    at = writeDigits(out, at, this.#primaries);
    out[at++] = LF;
    this.#accountsLength = at;
    this.#runAt = -1;
    this.#account = '';
    this.#primaries = 0;
  }

  // Room for `bytes` more in the batch's buffer.
  #room(bytes: number): Buffer<ArrayBuffer> {
    if (this.#length + bytes > this.#bytes.length) this.#bytes = larger(this.#bytes, this.#length, bytes);
    return this.#bytes;
  }

  // Room for `bytes` more in the account lines' buffer.
  #accountsRoom(bytes: number): Buffer<ArrayBuffer> {
    if (this.#accountsLength + bytes > this.#accounts.length) this.#accounts = larger(this.#accounts, this.#accountsLength, bytes);
    return this.#accounts;
  }

  // One row's COPY line, from its values (position, role and login_access are digits or fixed
  // words: nothing to escape).
  #writeLine(line: string | number, role: string, firstName: string, lastName: string, email: string, emailKey: string, access: string, nameKey: string): void {
    const text = `${this.idBase === null ? '' : `${this.idBase + Number(line)}\t`}${this.#id}\t${line}\t${role}\t${copyField(firstName)}\t${copyField(lastName)}\t${nullable(email)}\t${nullable(emailKey)}\t${access}\t${copyField(nameKey)}\n`;
    // (At most three bytes per UTF-16 unit.)
    this.#length += this.#room(3 * text.length).write(text, this.#length);
    this.#holders++;
    if (role === 'primary') this.#primaries++;
  }

  row(row: ImportRow, line: number, startsRun: boolean): void {
    if (startsRun) this.#startRun(row.accountId, row.accountName, line);
    this.#writeLine(line, row.role, row.firstName, row.lastName, row.email ?? '', row.emailKey ?? '', row.loginAccess ? '1' : '0', nameKey(row.firstName, row.lastName));
  }

  /**
   * A simple row (simple-row.ts) written from its text, byte for byte what `row` writes of it:
   * printable ASCII with no backslash has nothing to escape, an address's key is its lower case,
   * and a name's key is the name in lower case with each run of separators one space, trimmed.
   */
  simpleRow(text: string, simple: SimpleRow, line: number, accountId: string, startsRun: boolean): void {
    const row = simple.ranges;
    const id0 = row[SIMPLE.accountId]!;
    const id1 = row[SIMPLE.accountId + 1]!;
    const first0 = row[SIMPLE.firstName]!;
    const first1 = row[SIMPLE.firstName + 1]!;
    const last0 = row[SIMPLE.lastName]!;
    const last1 = row[SIMPLE.lastName + 1]!;
    const email0 = row[SIMPLE.email]!;
    const email1 = row[SIMPLE.email + 1]!;
    const primary = row[SIMPLE.role] === 1;
    if (startsRun) this.#startSimpleRun(accountId, text, row[SIMPLE.accountName]!, row[SIMPLE.accountName + 1]!, line);
    const names = first1 - first0 + last1 - last0;
    // A name decoded to be checked: its key the general way (nameKey), written as UTF-8 below.
    let key = simple.firstName === null && simple.lastName === null ? null : this.#generalKey(text, simple);
    // (A Latin letter's key is two bytes at most, for the letter's two: names and key in 3 × names.)
    const out = this.#room(id1 - id0 + 3 * names + 2 * (email1 - email0) + 64);
    let at = this.#length;
    if (this.idBase !== null) {
      at = writeDigits(out, at, this.idBase + line);
      out[at++] = TAB;
    }
    for (let i = id0; i < id1; i++) out[at++] = text.charCodeAt(i);
    out[at++] = TAB;
    at = writeDigits(out, at, line);
    out[at++] = TAB;
    // The role and its tab.
    const role = primary ? PRIMARY_TAB : SECONDARY_TAB;
    out.set(role, at);
    at += role.length;
    for (let i = first0; i < first1; i++) out[at++] = text.charCodeAt(i);
    out[at++] = TAB;
    for (let i = last0; i < last1; i++) out[at++] = text.charCodeAt(i);
    out[at++] = TAB;
    if (email0 === email1) {
      // \N\t\N: no email, no key.
      out[at++] = 92;
      out[at++] = 78;
      out[at++] = TAB;
      out[at++] = 92;
      out[at++] = 78;
    } else {
      // The address and its key (its lower case) in one pass over it.
      const length = email1 - email0;
      const keyAt = at + length + 1;
      for (let i = 0; i < length; i++) {
        const c = text.charCodeAt(email0 + i);
        out[at + i] = c;
        out[keyAt + i] = ASCII_LOWER[c]!;
      }
      out[at + length] = TAB;
      at = keyAt + length;
    }
    out[at++] = TAB;
    out[at++] = !primary && row[SIMPLE.access] === 1 ? 49 : 48;
    out[at++] = TAB;
    // nameKey(first, last) of ASCII names and Latin letters: "first last" in lower case, the
    // letters folded (latinLetterKey), each run of separators one space, trimmed.
    const keyStart = at;
    if (key === null) {
      let pending = false;
      let started = false;
      names: for (let part = 0; part < 2; part++) {
        if (part === 1) pending = started;
        const from = part === 0 ? first0 : last0;
        const to = part === 0 ? first1 : last1;
        for (let i = from; i < to; i++) {
          const c = text.charCodeAt(i);
          const kind = NAME_BYTE[c]!;
          if (kind === NAME_SEPARATOR) {
            pending = started;
            continue;
          }
          if (pending) {
            out[at++] = SPACE;
            pending = false;
          }
          started = true;
          if (kind === NAME_KEPT) {
            out[at++] = ASCII_LOWER[c]!;
            continue;
          }
          // A Latin letter (two bytes, see simple-row.ts), folded to its key's UTF-8 bytes.
          const letter = latinLetterKey(((c & 0x1f) << 6) | (text.charCodeAt(++i) & 0x3f));
          if (letter === undefined) {
            // (A letter nameKey folds another way: the whole key the general way.)
            key = this.#generalKey(text, simple);
            at = keyStart;
            break names;
          }
          for (let k = 0; k < letter.length; k++) {
            const l = letter.charCodeAt(k);
            if (l <= TILDE) out[at++] = l;
            else {
              out[at++] = 0xc0 | (l >> 6);
              out[at++] = 0x80 | (l & 0x3f);
            }
          }
        }
      }
    }
    if (key !== null) {
      // Room for it, the row so far kept (#room copies what #length says is written).
      this.#length = at;
      const room = this.#room(3 * key.length + 1);
      at += room.write(key, at);
      room[at++] = LF;
    } else out[at++] = LF;
    this.#length = at;
    this.#holders++;
    if (primary) this.#primaries++;
  }

  // The name key of a simple row the general way, from its names' text.
  #generalKey(text: string, simple: SimpleRow): string {
    const row = simple.ranges;
    return nameKey(simple.firstName ?? nameText(text, row, SIMPLE.firstName, simple.latin & LATIN_FIRST_NAME), simple.lastName ?? nameText(text, row, SIMPLE.lastName, simple.latin & LATIN_LAST_NAME));
  }

  take(batch: ImportBatch, last: boolean): CopyReadyBatch {
    if (last) this.#endRun();
    // The batch's bytes in buffers of their own, of their size (handed over to the main thread,
    // see import-worker.ts: a larger one would hold its whole size there until collected); the
    // writer's buffers are kept for the next batch, with the line of the run going on.
    const copy: CopyText = { holders: copied(this.#bytes, 0, this.#length), accounts: this.#takeAccountLines(), holderCount: this.#holders, ...(this.laterPart ? { laterPart: true } : {}) };
    this.#length = 0;
    this.#holders = 0;
    return { holders: [], accounts: [], rejected: batch.rejected, rowsRead: batch.rowsRead, oddRuns: batch.oddRuns, copy };
  }

  /** The batch with its rows (in the batch's value arrays) as COPY text. */
  format(batch: ImportBatch): CopyReadyBatch {
    const rows = batch.holders;
    const starts = batch.accounts;
    let next = 0;
    for (let at = 0; at < rows.length; at += H) {
      const accountId = rows[at]!;
      if (accountId !== this.#account) {
        // The reader lists an account each time it differs from the row before: in step with this.
        if (starts[next] !== accountId) throw new Error(`import batch out of step: account ${accountId} has no entry`);
        this.#startRun(accountId, starts[next + 1]!, Number(starts[next + 2]!));
        next += ACCOUNT_FIELDS;
      }
      this.#writeLine(rows[at + 1]!, rows[at + 2]!, rows[at + 3]!, rows[at + 4]!, rows[at + 5]!, rows[at + 6]!, rows[at + 7]!, rows[at + 8]!);
    }
    if (next !== starts.length) throw new Error('import batch out of step: an account entry has no rows');
    return this.take(batch, false);
  }

  // The account lines that ended ('' for none); the line of the run going on moves to the front.
  // One string a batch: handed over as bytes, they stayed on the main thread, which allocates too
  // little to collect them soon (peak RSS 163 MB against 127 at 1M rows).
  #takeAccountLines(): string {
    const ended = this.#runAt < 0 ? this.#accountsLength : this.#runAt;
    const lines = this.#accounts.toString('utf8', 0, ended);
    this.#accounts.copy(this.#accounts, 0, ended, this.#accountsLength);
    this.#accountsLength -= ended;
    if (this.#runAt >= 0) this.#runAt = 0;
    return lines;
  }

  /** Ends the run going on (the file's rows are over): the account lines not yet taken, or ''. */
  end(): string {
    this.#endRun();
    return this.#takeAccountLines();
  }
}

// A buffer with `more` bytes of room past the `length` used of `bytes`, those copied.
function larger(bytes: Buffer<ArrayBuffer>, length: number, more: number): Buffer<ArrayBuffer> {
  const buffer = Buffer.allocUnsafeSlow(Math.max(2 * bytes.length, length + more));
  bytes.copy(buffer, 0, 0, length);
  return buffer;
}

// bytes[from, to) in a buffer of their own, or '' for none.
function copied(bytes: Buffer, from: number, to: number): Uint8Array | '' {
  if (to === from) return '';
  const buffer = Buffer.allocUnsafeSlow(to - from);
  bytes.copy(buffer, 0, from, to);
  return buffer;
}

/**
 * The batches of one file with their rows as COPY text, in order; batches already formatted (on
 * the import worker, see import-batches-in-worker.ts) pass through.
 */
export async function* copyBatches(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, formatter = new CopyWriter()): AsyncGenerator<CopyReadyBatch> {
  for await (const batch of batches) yield 'copy' in batch ? (batch as CopyReadyBatch) : formatter.format(batch);
  const last = formatter.end();
  if (last.length > 0) yield rowlessBatch({ holders: '', accounts: last, holderCount: 0, ...(formatter.laterPart ? { laterPart: true } : {}) });
}

/** A batch of no rows: an account line that ends a file's rows, or the first part's filter (CopyText.seen). */
export function rowlessBatch(copy: CopyText): CopyReadyBatch {
  return { holders: [], accounts: [], rejected: [], rowsRead: 0, oddRuns: [], copy };
}
