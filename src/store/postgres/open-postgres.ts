import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { StoreError, UsageError } from '../../core/errors.js';
import type { OpenStoreOptions } from '../open-store.js';
import { migrations, SCHEMA_VERSION } from '../migrations.js';
import type { MigratedFrom } from '../engine.js';
import type { StoreSchema } from '../schema.js';
import { PostgresEngine } from './postgres-engine.js';
import { printablePostgresUrl } from './postgres-location.js';
import { postgresStoreError } from './postgres-store-error.js';

/** The name our marker table has in the store's schema: the application and its schema version. */
const MARKER = 'enrollsy_store';
const APPLICATION = 'enrollsy-help';
// Tables of ours: a schema holding any of them without the marker is half-made or someone else's.
const OUR_TABLES = ['company', 'accounts', 'holders', 'audit_log', 'reset_links'];
// The transaction-level advisory lock every migration takes: two inits at once run one after the other.
const MIGRATION_LOCK = 0x456e526c00000002n;

// pg returns bigint (int8: count(*), sums) as strings; every count here fits in a JS number.
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? (value: string) => Number(value) : (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format))) as typeof pg.types.getTypeParser,
};

/** The schema to use: `schema` from init's --schema, else the URL's `schema` parameter, else `public`. */
export function postgresSchemaFrom(location: string, schema: string | undefined): { url: string; schema: string } {
  const url = new URL(location.trim());
  const fromUrl = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const chosen = schema ?? fromUrl ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(chosen)) {
    throw new UsageError(`The PostgreSQL schema "${chosen.slice(0, 70)}" is not a plain lower-case name (letters, digits and _, not starting with a digit); choose another.`);
  }
  return { url: url.toString(), schema: chosen };
}

/**
 * Opens a PostgreSQL store: a pool (libpq conventions: PGPASSWORD, ~/.pgpass and sslmode work,
 * through pg), the store's schema on the search path, `lock_timeout` from --lock-timeout. Checks
 * it is our store (the marker table) and migrates it forward in one transaction under an
 * advisory lock; `create` (init) makes the schema and the store in an empty database or schema.
 */
export async function openPostgres(location: string, options: OpenStoreOptions): Promise<PostgresEngine> {
  const shown = printablePostgresUrl(location);
  const { url, schema } = postgresSchemaFrom(location, options.schema);
  const lockTimeout = options.lockTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    connectionTimeoutMillis: 10000,
    application_name: 'enrollsy-help',
    options: `-c search_path=${schema} -c lock_timeout=${lockTimeout}`,
    types,
  });
  // A client losing its server (idle in the pool, or checked out mid-query) must not crash the
  // process with an unhandled 'error' event: the query in flight, or the next one, reports it.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
  try {
    const found = await identify(db, schema);
    if (found.kind === 'newer') {
      throw new StoreError(`${shown} holds a store written by a newer enrollsy-help (schema ${found.version}; this one knows up to ${SCHEMA_VERSION}). Upgrade enrollsy-help to use it.`);
    }
    if (found.kind === 'foreign') {
      throw new StoreError(`The schema "${schema}" in ${shown} has tables named like enrollsy-help's but is not an enrollsy-help store; it was left as it was`, { kind: 'use-another-database-or-schema' });
    }
    if (found.kind === 'absent' && !options.create) {
      throw new StoreError(`No enrollsy-help store in ${shown} (schema "${schema}")`, { kind: 'run-init', orPointElsewhere: true });
    }
    let migratedFrom: MigratedFrom | null = null;
    if (found.kind === 'absent' || found.version < SCHEMA_VERSION) migratedFrom = await migrate(db, schema, shown);
    return new PostgresEngine(db, pool, shown, migratedFrom);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw postgresStoreError(error, shown);
  }
}

type Identity = { kind: 'absent' } | { kind: 'foreign' } | { kind: 'ours'; version: number } | { kind: 'newer'; version: number };

async function identify(db: Kysely<any>, schema: string): Promise<Identity> {
  const { rows } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${schema}`.execute(db);
  const tables = rows.map((row) => row.name);
  if (!tables.includes(MARKER)) return OUR_TABLES.some((table) => tables.includes(table)) ? { kind: 'foreign' } : { kind: 'absent' };
  const marker = await sql<{ application: string; schema_version: number }>`select application, schema_version from ${sql.table(MARKER)} where id = 1`.execute(db);
  const row = marker.rows[0];
  if (!row || row.application !== APPLICATION) return { kind: 'foreign' };
  return row.schema_version > SCHEMA_VERSION ? { kind: 'newer', version: row.schema_version } : { kind: 'ours', version: row.schema_version };
}

/**
 * Brings the schema up to date in one transaction holding an advisory lock: every step, the marker
 * and the version commit together or not at all (PostgreSQL's DDL is transactional), and a second
 * init or upgrade at the same moment waits, then finds nothing left to do. No copy of the old
 * store is kept (take one with pg_dump); the transaction is what makes the upgrade safe.
 */
async function migrate(db: Kysely<StoreSchema>, schema: string, shown: string): Promise<MigratedFrom | null> {
  return db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection);
    try {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(connection);
      await sql`create schema if not exists ${sql.id(schema)}`.execute(connection);
      const found = await identify(connection, schema);
      if (found.kind === 'foreign') throw new StoreError(`The schema "${schema}" in ${shown} changed meanwhile and is not an enrollsy-help store; nothing was changed.`);
      if (found.kind === 'newer') throw new StoreError(`${shown} was upgraded by a newer enrollsy-help meanwhile (schema ${found.version}). Upgrade enrollsy-help to use it.`);
      const from = found.kind === 'ours' ? found.version : 0;
      if (found.kind === 'absent') {
        await sql`create table ${sql.table(MARKER)} (id integer primary key check (id = 1), application text not null, schema_version integer not null)`.execute(connection);
        await sql`insert into ${sql.table(MARKER)} (id, application, schema_version) values (1, ${APPLICATION}, 0)`.execute(connection);
      }
      for (const migration of Object.values(migrations).slice(from)) await migration.up(connection, 'postgres');
      await sql`update ${sql.table(MARKER)} set schema_version = ${SCHEMA_VERSION} where id = 1`.execute(connection);
      await sql`commit`.execute(connection);
      return from > 0 && from < SCHEMA_VERSION ? { version: from, backup: null } : null;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
