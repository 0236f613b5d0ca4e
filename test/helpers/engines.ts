import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

/** A storage engine the behavioural suite runs on. */
export type EngineName = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL when the run's throwaway cluster is up (test/global-setup.mjs). */
export const engines: EngineName[] = process.env.ENROLLSY_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** Where a test's store lives: the `--db` value and the environment that goes with it. */
export interface TestStoreLocation {
  engine: EngineName;
  /** The `--db` value: a file path, or a postgres:// URL of a database made for this test. */
  db: string;
  /** ENROLLSY_OUTBOX pointing into the test's folder, so each engine's mail lands in the same place. */
  env: Record<string, string>;
  outbox: string;
  /** Drops the test's database (PostgreSQL); the caller removes its folder. */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.ENROLLSY_TEST_PG_URL;
  if (!url) throw new Error('no PostgreSQL cluster in this test run');
  return url;
}

/** The URL of database `name` on the run's cluster. */
export function postgresUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on the cluster's maintenance database. */
export async function adminQuery(text: string, database = 'postgres'): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A new database on the run's cluster, empty or a copy of `template`; returns its name. */
export async function createTestDatabase(template?: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}${template === undefined ? '' : ` template ${template}`}`);
  return name;
}

/** A fresh store location for `engine` inside the test folder `dir` (nothing created yet, unless copied from a PostgreSQL `template`). */
export async function storeLocation(engine: EngineName, dir: string, template?: string): Promise<TestStoreLocation> {
  const outbox = join(dir, 'outbox');
  if (engine === 'sqlite') {
    return { engine, db: join(dir, 'store.db'), env: { ENROLLSY_OUTBOX: outbox }, outbox, drop: async () => {} };
  }
  const name = await createTestDatabase(template);
  return {
    engine,
    db: postgresUrl(name),
    env: { ENROLLSY_OUTBOX: outbox },
    outbox,
    drop: async () => {
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}
