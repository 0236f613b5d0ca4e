import { sql, type ColumnDataType, type Expression, type Kysely } from 'kysely';
import { normalizeEmail } from '../core/email.js';
import { nameKey } from '../core/name-key.js';
import type { EngineKind } from './engine.js';

/** One schema step; `engine` says which database runs it (the same steps serve both). */
export interface StoreMigration {
  up(db: Kysely<any>, engine: EngineKind): Promise<void>;
}

// The engines' differences in DDL, in one place. Text is compared byte by byte on both (SQLite's
// BINARY; PostgreSQL's "C" collation), so prefix range scans, ORDER BY and every JSON document come
// out the same whatever the database's locale. Row ids: SQLite's `integer primary key` is the
// rowid; PostgreSQL needs an identity column.
function text(engine: EngineKind): ColumnDataType | Expression<unknown> {
  return engine === 'postgres' ? sql`text collate "C"` : 'text';
}
function rowId(engine: EngineKind) {
  return (column: import('kysely').ColumnDefinitionBuilder) => (engine === 'postgres' ? column.primaryKey().generatedByDefaultAsIdentity() : column.primaryKey());
}

// Append new migrations at the end; never edit one that has shipped (the SQLite statements of a
// shipped step stay exactly as they were). The number of entries is the schema version: SQLite
// records it in PRAGMA user_version, PostgreSQL in the enrollsy_store table.
/** The store's migrations, oldest first, keyed by name. */
export const migrations: Record<string, StoreMigration> = {
  '0001_accounts': {
    async up(db: Kysely<any>, engine: EngineKind) {
      await db.schema
        .createTable('company')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('name', text(engine), (c) => c.notNull())
        .addColumn('sign_in_url', text(engine))
        .addColumn('reset_url', text(engine))
        .addColumn('embed_html', text(engine))
        .addColumn('sender', text(engine))
        .addColumn('updated_at', text(engine), (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', text(engine), (c) => c.primaryKey())
        .addColumn('name', text(engine), (c) => c.notNull())
        .addColumn('imported_at', text(engine), (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('holders')
        .addColumn('id', 'integer', rowId(engine))
        .addColumn('account_id', text(engine), (c) => {
          const column = c.notNull().references('accounts.id').onDelete('cascade');
          // PostgreSQL: deferrable, so an import can load holders before their accounts in one transaction.
          return engine === 'postgres' ? column.modifyEnd(sql`deferrable initially immediate`) : column;
        })
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('role', text(engine), (c) => c.notNull().check(sql`role in ('primary', 'secondary')`))
        .addColumn('first_name', text(engine), (c) => c.notNull())
        .addColumn('last_name', text(engine), (c) => c.notNull())
        .addColumn('email', text(engine))
        .addColumn('email_key', text(engine))
        .addColumn('login_access', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // (email_key, account_id): lookups by address and the conflict scan read only this index.
      await db.schema.createIndex('holders_email_key').on('holders').columns(['email_key', 'account_id']).execute();
      await db.schema.createIndex('holders_account').on('holders').column('account_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', rowId(engine))
        .addColumn('at', text(engine), (c) => c.notNull())
        .addColumn('action', text(engine), (c) => c.notNull())
        .addColumn('account_id', text(engine))
        .addColumn('email_key', text(engine))
        .addColumn('details', text(engine), (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
      await db.schema.createIndex('audit_log_email_key').on('audit_log').columns(['email_key', 'at']).execute();
    },
  },
  '0002_reset_links': {
    async up(db: Kysely<any>, engine: EngineKind) {
      await db.schema
        .createTable('reset_links')
        .addColumn('id', 'integer', rowId(engine))
        .addColumn('account_id', text(engine), (c) => c.notNull())
        .addColumn('token_hash', text(engine), (c) => c.notNull().unique())
        .addColumn('recipient_email', text(engine), (c) => c.notNull())
        .addColumn('recipient_role', text(engine), (c) => c.notNull())
        .addColumn('issued_at', text(engine), (c) => c.notNull())
        .addColumn('expires_at', text(engine), (c) => c.notNull())
        .addColumn('superseded_at', text(engine))
        .addColumn('superseded_by', 'integer')
        .addColumn('delivery_status', text(engine), (c) => c.notNull())
        .addColumn('delivery_transport', text(engine))
        .addColumn('message_id', text(engine))
        .execute();
      await db.schema.createIndex('reset_links_account').on('reset_links').columns(['account_id', 'id']).execute();
    },
  },
  // R3 per login (account + recipient address) and revocation when a login changes.
  '0003_reset_link_logins': {
    async up(db: Kysely<any>, engine: EngineKind) {
      await db.schema.alterTable('reset_links').addColumn('recipient_key', text(engine)).execute();
      await db.schema.alterTable('reset_links').addColumn('recipient_name', text(engine)).execute();
      await db.schema.alterTable('reset_links').addColumn('revoked_at', text(engine)).execute();
      await db.schema.alterTable('reset_links').addColumn('revoked_reason', text(engine)).execute();
      // Keys are made by normalizeEmail, never by SQL lower() (which folds only ASCII).
      const rows = (await db.selectFrom('reset_links').select(['id', 'recipient_email']).execute()) as { id: number; recipient_email: string }[];
      for (const row of rows) {
        await db.updateTable('reset_links').set({ recipient_key: normalizeEmail(row.recipient_email) }).where('id', '=', row.id).execute();
      }
      await db.schema.createIndex('reset_links_login').on('reset_links').columns(['account_id', 'recipient_key', 'id']).execute();
    },
  },
  '0004_audit_admin': {
    async up(db: Kysely<any>, engine: EngineKind) {
      // Who acted. Entries written before this version have none (null: not recorded).
      await db.schema.alterTable('audit_log').addColumn('admin', text(engine)).execute();
    },
  },
  '0005_holder_name_key': {
    async up(db: Kysely<any>, engine: EngineKind) {
      // Finding a customer by name reads this key, computed in TypeScript (core/name-key.ts), as
      // import writes it; SQL never folds case or accents itself. Filled 1,000 holders a statement.
      await db.schema.alterTable('holders').addColumn('name_key', text(engine)).execute();
      for (let after = 0; ; ) {
        const rows = await db.selectFrom('holders').select(['id', 'first_name', 'last_name']).where('id', '>', after).orderBy('id').limit(1000).execute();
        if (rows.length === 0) break;
        if (engine === 'postgres') {
          const ids = rows.map((row) => row.id as number);
          const names = rows.map((row) => nameKey(row.first_name, row.last_name));
          await sql`update holders set name_key = k.name_key from unnest(${ids}::int[], ${names}::text[]) as k(id, name_key) where holders.id = k.id`.execute(db);
        } else {
          const keys = JSON.stringify(rows.map((row) => [row.id, nameKey(row.first_name, row.last_name)]));
          await sql`update holders set name_key = k.value ->> 1 from json_each(${keys}) as k where holders.id = k.value ->> 0`.execute(db);
        }
        after = rows[rows.length - 1]!.id;
      }
    },
  },
  // The look-alike advisories of `conflicts` read only the Gmail keys, already grouped by inbox:
  // a partial index holds them (about a tenth of the keys) in inbox order, so the full scan
  // neither tests every key's domain nor builds a string per Gmail key.
  '0006_gmail_inbox': {
    async up(db: Kysely<any>, engine: EngineKind) {
      // PostgreSQL wants an expression in an index in parentheses; SQLite's statement stays as shipped.
      const inbox = engine === 'postgres' ? `(${gmailInboxSql(engine)})` : gmailInboxSql(engine);
      await sql`create index if not exists holders_gmail_inbox on holders(${sql.raw(inbox)}, email_key) where ${sql.raw(gmailKeyPredicate(engine))}`.execute(db);
    },
  },
  '0007_company_time_zone': {
    async up(db: Kysely<any>, engine: EngineKind) {
      // The zone customer emails write times in (IANA name); null means the machine's zone.
      await db.schema.alterTable('company').addColumn('time_zone', text(engine)).execute();
    },
  },
  // SQLite's full conflict scan reads the addresses used by two or more holders from this table
  // instead of grouping the whole (email_key, account_id) index at every scan (~150 ms of index
  // reading per 1M holders). Triggers keep it exact through every write in SQL, the tool's or
  // anyone's; the import drops them while it loads and fills the table again from holders in the
  // same transaction. PostgreSQL groups its index fast enough (in parallel) and has no such table.
  '0008_repeated_keys': {
    async up(db: Kysely<any>, engine: EngineKind) {
      if (engine !== 'sqlite') return;
      // A key is repeated when a second holder has it: counting stops at two.
      const holdersOf = (key: string) => `(select count(*) from (select 1 from holders where email_key = ${key} limit 2))`;
      const added = (key: string) =>
        `insert into repeated_keys (email_key) select ${key} where ${key} is not null and ${holdersOf(key)} = 2 and not exists (select 1 from repeated_keys where email_key = ${key});`;
      const removed = (key: string) => `delete from repeated_keys where email_key = ${key} and ${holdersOf(key)} < 2;`;
      for (const statement of [
        'create table repeated_keys (email_key text primary key) without rowid',
        `create trigger ${REPEATED_KEY_TRIGGERS[0]} after insert on holders when new.email_key is not null begin ${added('new.email_key')} end`,
        `create trigger ${REPEATED_KEY_TRIGGERS[1]} after delete on holders when old.email_key is not null begin ${removed('old.email_key')} end`,
        `create trigger ${REPEATED_KEY_TRIGGERS[2]} after update of email_key on holders when old.email_key is not new.email_key begin ${removed('old.email_key')} ${added('new.email_key')} end`,
        FILL_REPEATED_KEYS,
      ]) {
        await sql.raw(statement).execute(db);
      }
    },
  },
};

/**
 * The keys on Gmail's two domains (keys are normalized, so a suffix test finds them). Queries
 * must use this exact text for the database to read the partial index holders_gmail_inbox.
 */
export function gmailKeyPredicate(engine: EngineKind): string {
  return engine === 'postgres'
    ? `(email_key like '%@gmail.com' or email_key like '%@googlemail.com')`
    : `(email_key glob '*@gmail.com' or email_key glob '*@googlemail.com')`;
}

/**
 * A Gmail key's local part without its +tag and dots: keys equal here reach one inbox (the
 * same rule as gmailInbox in src/core/gmail-inbox.ts, which has the last word on each group).
 */
export function gmailInboxSql(engine: EngineKind): string {
  return `replace(substr(email_key, 1, ${engine === 'postgres' ? 'strpos' : 'instr'}(replace(email_key, '@', '+'), '+') - 1), '.', '')`;
}

/** What repeated_keys holds, grouped from holders: every address used by two or more holders, in one account or several. */
export const REPEATED_KEYS_OF_HOLDERS = 'select email_key from holders where email_key is not null group by email_key having count(*) > 1';

/** Fills repeated_keys (SQLite) from holders; the table must be empty first. */
export const FILL_REPEATED_KEYS = `insert into repeated_keys (email_key) ${REPEATED_KEYS_OF_HOLDERS}`;

/** The triggers on holders that keep repeated_keys exact (SQLite, migration 0008): added, removed, changed. */
export const REPEATED_KEY_TRIGGERS = ['holders_repeated_key_added', 'holders_repeated_key_removed', 'holders_repeated_key_changed'] as const;

/** The schema version this build writes: the number of migrations. */
export const SCHEMA_VERSION = Object.keys(migrations).length;
