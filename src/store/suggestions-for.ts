import type { Kysely } from 'kysely';
import { rankSuggestions, suggestionPrefixes } from '../core/suggest.js';
import { findEmailKeysWithPrefix } from './holders.js';
import type { StoreSchema } from './schema.js';

/** Likely intended addresses for a key, from index range scans of the store plus provider corrections. */
export async function suggestionsFor(db: Kysely<StoreSchema>, emailKey: string): Promise<string[]> {
  const candidates: string[] = [];
  for (const prefix of suggestionPrefixes(emailKey)) candidates.push(...(await findEmailKeysWithPrefix(db, prefix, 500)));
  return rankSuggestions(emailKey, candidates);
}
