// Worker-thread entry (bundled as dist/import-worker.js): reads and validates an export file (or
// one part of it, see export-split.ts) while the main thread writes earlier batches to the store,
// so parsing and writing overlap on two cores. Credit-based flow control keeps at most a few
// batches in flight, so memory stays bounded whatever the file size.
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { importBatches, ImportFileError, type ImportBatch, type LaterPart } from '../core/import-batches.js';
import { CopyWriter, type AccountsSeen, type CopyReadyBatch } from './postgres/copy-batches.js';

/** Batches the worker may send ahead of the main thread's inserts. */
export const BATCH_CREDITS = 4;

/** What the worker is asked to read. */
export interface ImportWorkerData {
  path: string;
  /** Rows as COPY text (copy-batches.ts), for a PostgreSQL store, each starting with its id (CopyWriter's idBase). */
  copyText: boolean;
  idBase?: number;
  /** The first part of a file read in two: its bytes before this offset. */
  end?: number;
  /** The later part of a file read in two: from `at` to the end. */
  part?: LaterPart & { at: number };
}

/** What the worker says to the main thread. */
export type ImportWorkerMessage =
  | { type: 'batch'; batch: ImportBatch }
  /** `seen`: the first part's accounts (CopyText.seen). */
  | { type: 'done'; seen?: AccountsSeen }
  | { type: 'error'; message: string; code?: string; file?: { line: number; reason: string } };

async function run(): Promise<void> {
  const port = parentPort!;
  const { path, copyText, idBase, end, part } = workerData as ImportWorkerData;
  let credits = BATCH_CREDITS;
  let wake: (() => void) | null = null;
  port.on('message', () => {
    credits++;
    wake?.();
    wake = null;
  });
  try {
    const source = createReadStream(path, { start: part?.at, end: end === undefined ? undefined : end - 1 });
    // For a PostgreSQL store the rows are written as COPY text as they are read (copy-batches.ts):
    // one piece is cheaper to post than thousands of values, and writing it costs this thread, not
    // the one feeding the server.
    const writer = copyText ? new CopyWriter(part !== undefined, idBase ?? null) : undefined;
    for await (const batch of importBatches(source, path, part, writer)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      // COPY text crosses as UTF-8 bytes in a buffer of their own, handed over rather than copied:
      // the main thread then makes no large string per batch (its young generation grew with the
      // file: peak RSS 166 MB at 1M rows, 182 at 2M).
      const holders = 'copy' in batch ? (batch as CopyReadyBatch).copy.holders : '';
      port.postMessage({ type: 'batch', batch } satisfies ImportWorkerMessage, typeof holders === 'string' ? [] : [holders.buffer as ArrayBuffer]);
    }
    const seen = writer && end !== undefined ? writer.seen : undefined;
    port.postMessage({ type: 'done', seen } satisfies ImportWorkerMessage, seen ? [seen.filter.buffer as ArrayBuffer] : []);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({
      type: 'error',
      message,
      code: (error as { code?: string }).code,
      file: error instanceof ImportFileError ? { line: error.line, reason: error.reason } : undefined,
    } satisfies ImportWorkerMessage);
  }
  port.close();
}

if (parentPort) await run();
