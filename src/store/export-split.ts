import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { CR, LF, QUOTE } from '../core/ascii.js';
import { csvRecords } from '../core/csv-records.js';
import { readHeader } from '../core/import-row.js';
import type { LaterPart } from '../core/import-batches.js';

/** Where an export can be cut in two, each part read and checked on its own thread. */
export interface ExportSplit extends LaterPart {
  /** The byte offset where the later part starts: just after a line feed outside quotes. */
  at: number;
}

/**
 * Below this size a file is read on one thread: a second one costs more to start (~30 ms) than
 * it saves. 4 MB is about 50,000 rows.
 */
export const SPLIT_MIN_BYTES = 4 * 1024 * 1024;

const CHUNK = 1 << 20;
const HEADER_MAX = 1 << 20;

// Line breaks in bytes[0, to), as the CSV reader counts them (csv-records.ts): LF, CR and CRLF
// (once). A CR that ends the bytes is left to the caller, who sees the next byte.
function lineBreaks(bytes: Buffer, to: number): number {
  let breaks = 0;
  for (let i = bytes.indexOf(LF); i !== -1 && i < to; i = bytes.indexOf(LF, i + 1)) breaks++;
  for (let i = bytes.indexOf(CR); i !== -1 && i < to; i = bytes.indexOf(CR, i + 1)) if (i + 1 < bytes.length && bytes[i + 1] !== LF) breaks++;
  return breaks;
}

/**
 * Where to cut an export in two near its middle, so that the later part starts a record: the first
 * line feed at or after the middle outside a quoted field (the parity of the quotes before it says
 * which: in a file the CSV reader accepts, quotes only open and close fields and come in pairs
 * inside them), with the physical line that record starts on, as the reader numbers lines. Null
 * when the file is small, when its header cannot be read here (the reader of the first part then
 * reports why), or when no line feed outside quotes follows the middle (lines ended by CR alone).
 * A file the reader refuses is refused by the first part's reader at the same place, before the cut.
 */
export async function findExportSplit(path: string, { minBytes = SPLIT_MIN_BYTES, chunkBytes = CHUNK }: { minBytes?: number; chunkBytes?: number } = {}): Promise<ExportSplit | null> {
  // A pipe or a device is read as it comes, on one thread: opening one here could wait for its
  // writer, or take what the reader should get.
  const file = statSync(path);
  if (!file.isFile() || file.size < minBytes) return null;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < minBytes) return null;
    const middle = Math.floor(size / 2);
    const bytes = Buffer.allocUnsafe(chunkBytes);
    let quotes = 0;
    let breaks = 0;
    let headerEnd = -1;
    // A CR that ended the previous chunk: a line break unless this chunk starts with LF.
    let crBefore = false;
    for (let position = 0; position < size; ) {
      const read = readSync(fd, bytes, 0, chunkBytes, position);
      if (read === 0) break;
      const chunk = read === chunkBytes ? bytes : bytes.subarray(0, read);
      if (crBefore && chunk[0] !== LF) breaks++;
      crBefore = chunk[read - 1] === CR;
      // From quote to quote (indexOf is a native scan): in each stretch outside quotes (an even
      // count of quotes before it), look for the header's end and, from the middle on, the cut.
      let cut = -1;
      for (let at = 0; cut === -1; ) {
        const quote = chunk.indexOf(QUOTE, at);
        const stretchEnd = quote === -1 ? read : quote;
        if (quotes % 2 === 0) {
          if (headerEnd === -1) {
            const lf = chunk.indexOf(LF, at);
            if (lf !== -1 && lf < stretchEnd) headerEnd = position + lf + 1;
          }
          const from = Math.max(at, middle - position);
          const lf = from < stretchEnd ? chunk.indexOf(LF, from) : -1;
          if (lf !== -1 && lf < stretchEnd) cut = lf + 1;
        }
        if (quote === -1) break;
        quotes++;
        at = quote + 1;
      }
      breaks += lineBreaks(chunk, cut === -1 ? read : cut);
      if (cut !== -1) {
        const header = headerEnd === -1 ? null : await headerOf(fd, headerEnd);
        return header ? { at: position + cut, line: breaks + 1, header } : null;
      }
      position += read;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

// The header record (bytes [0, end), which end with its line feed), read as the import reads it;
// null if the import would refuse it (or it is longer than any header should be).
async function headerOf(fd: number, end: number): Promise<LaterPart['header'] | null> {
  if (end > HEADER_MAX) return null;
  const bytes = Buffer.allocUnsafe(end);
  readSync(fd, bytes, 0, end, 0);
  try {
    for await (const record of csvRecords((async function* () {
      yield bytes;
    })())) {
      const header = readHeader(record.fields);
      return header.ok ? header.index : null;
    }
  } catch {
    // Not UTF-8, a quote out of place: the first part's reader says so.
  }
  return null;
}
