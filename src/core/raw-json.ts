/**
 * A value that already is JSON text (written by the database, say): the compact output splices
 * the text in as it is, and `toJSON` gives the parsed value wherever JSON.stringify meets it.
 */
export interface RawJson {
  rawJson(): string;
  toJSON(): unknown;
}

/** Whether `value` carries its own JSON text. */
export function isRawJson(value: unknown): value is RawJson {
  return typeof value === 'object' && value !== null && typeof (value as Partial<RawJson>).rawJson === 'function';
}
