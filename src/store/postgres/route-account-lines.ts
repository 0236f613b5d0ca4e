import { mayHaveSeen, type AccountsSeen } from './copy-batches.js';

/** Account lines of an import into a store with no accounts, sent two ways (see routeAccountLines). */
export interface RoutedAccountLines {
  /** COPY text for the accounts table: id, name, imported_at. */
  accounts: string;
  /** Account lines (copy-batches.ts) the one-primary rule must look at. */
  runs: string;
}

/**
 * Splits a batch's account lines (copy-batches.ts: account_id, name, first_line, repeated,
 * primaries) for an import into a store with no accounts: each account's first run (repeated `f`,
 * which is certain) goes straight to the accounts table, so that the table is loaded by COPY
 * rather than by an INSERT … SELECT from a temp table (0.5 s at 600,000 accounts, one core, after
 * the load); import_accounts keeps only the runs the one-primary rule must look at: every later
 * run (`t`) and a first run without exactly one primary. A first run left out had one primary.
 * The values are already escaped COPY text; `importedAt` has nothing to escape (an ISO time).
 */
export function routeAccountLines(text: string, importedAt: string): RoutedAccountLines {
  const end = `\t${importedAt}\n`;
  let accounts = '';
  let runs = '';
  eachAccountLine(text, (start, afterId, afterName, afterLine, lineEnd) => {
    const repeated = text.charCodeAt(afterLine + 1) === 0x74; // 't'
    const onePrimary = lineEnd === afterLine + 4 && text.charCodeAt(afterLine + 3) === 0x31; // "\t1" ends the line
    if (!repeated) accounts += `${text.slice(start, afterName)}${end}`;
    if (repeated || !onePrimary) runs += text.slice(start, lineEnd + 1);
  });
  return { accounts, runs };
}

/**
 * The later part's account lines (CopyText.laterPart), each `f` (first in that part) checked
 * against the first part's accounts: an account the first part may have met has had a run before
 * (`t`, which may be wrong, as allowed). Without them every run is taken as repeated.
 */
export function settleLaterRuns(text: string, firstPartSeen: AccountsSeen | null): string {
  let settled = '';
  eachAccountLine(text, (start, afterId, _afterName, afterLine, lineEnd) => {
    const flag = afterLine + 1;
    if (text.charCodeAt(flag) === 0x66 /* f */ && (firstPartSeen === null || mayHaveSeen(firstPartSeen, text.slice(start, afterId)))) {
      settled += `${text.slice(start, flag)}t${text.slice(flag + 1, lineEnd + 1)}`;
    } else settled += text.slice(start, lineEnd + 1);
  });
  return settled;
}

// Each account line's start, the ends of its first three fields (account_id, name, first_line)
// and its line feed. Tabs only delimit fields in COPY text (a tab in a value is written \t).
function eachAccountLine(text: string, line: (start: number, afterId: number, afterName: number, afterLine: number, lineEnd: number) => void): void {
  let start = 0;
  while (start < text.length) {
    const lineEnd = text.indexOf('\n', start);
    const afterId = text.indexOf('\t', start);
    const afterName = text.indexOf('\t', afterId + 1);
    line(start, afterId, afterName, text.indexOf('\t', afterName + 1), lineEnd);
    start = lineEnd + 1;
  }
}
