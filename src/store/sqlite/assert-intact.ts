import { shortForMessage } from '../../core/email.js';
import { StoreError } from '../../core/errors.js';
import type Database from 'better-sqlite3';

/**
 * Runs SQLite's `quick_check` (every page of every table and index is read and its structure
 * checked) and fails with exit 3 when the store is damaged, so a broken page is reported as
 * damage rather than read as "no holder". Too slow to run at every open; `init` and the full
 * conflict scan run it. It does not compare index entries with their rows (integrity_check does).
 */
export function assertIntact(sqlite: Database.Database, shownPath: string): void {
  const rows = sqlite.pragma('quick_check(5)') as { quick_check: string }[];
  const findings = rows.map((row) => row.quick_check).filter((text) => text !== 'ok');
  if (findings.length === 0) return;
  const first = findings[0]!.replace(/^\*\*\* in database \w+ \*\*\*\s*/, '').split('\n')[0] ?? '';
  throw new StoreError(`The store ${shortForMessage(shownPath, 160)} ${DAMAGED} (SQLite's check found: ${shortForMessage(first, 120)}).`);
}

/** What to say about a damaged store, here and for SQLITE_CORRUPT anywhere: what to do next. */
export const DAMAGED =
  'is damaged; nothing was changed. Restore it from a backup (such as a <store>.schema-N.bak beside it), or run `enrollsy-help init --db <new file>` and import your accounts export again';
