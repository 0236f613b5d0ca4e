import { sql, type Kysely, type Migration } from 'kysely';
import { normalizeEmail } from '../core/email.js';
import { nameKey } from '../core/name-key.js';

// Append new migrations at the end; never edit one that has shipped. The number of entries is
// the schema version written to PRAGMA user_version, which every command checks on open.
/** The store's migrations, oldest first, keyed by name. */
export const migrations: Record<string, Migration> = {
  '0001_accounts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('company')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sign_in_url', 'text')
        .addColumn('reset_url', 'text')
        .addColumn('embed_html', 'text')
        .addColumn('sender', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('holders')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('primary', 'secondary')`))
        .addColumn('first_name', 'text', (c) => c.notNull())
        .addColumn('last_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_key', 'text')
        .addColumn('login_access', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // (email_key, account_id): lookups by address and the conflict scan read only this index.
      await db.schema.createIndex('holders_email_key').on('holders').columns(['email_key', 'account_id']).execute();
      await db.schema.createIndex('holders_account').on('holders').column('account_id').execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('email_key', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
      await db.schema.createIndex('audit_log_email_key').on('audit_log').columns(['email_key', 'at']).execute();
    },
  },
  '0002_reset_links': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('reset_links')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('recipient_email', 'text', (c) => c.notNull())
        .addColumn('recipient_role', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('superseded_at', 'text')
        .addColumn('superseded_by', 'integer')
        .addColumn('delivery_status', 'text', (c) => c.notNull())
        .addColumn('delivery_transport', 'text')
        .addColumn('message_id', 'text')
        .execute();
      await db.schema.createIndex('reset_links_account').on('reset_links').columns(['account_id', 'id']).execute();
    },
  },
  // R3 per login (account + recipient address) and revocation when a login changes.
  '0003_reset_link_logins': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('reset_links').addColumn('recipient_key', 'text').execute();
      await db.schema.alterTable('reset_links').addColumn('recipient_name', 'text').execute();
      await db.schema.alterTable('reset_links').addColumn('revoked_at', 'text').execute();
      await db.schema.alterTable('reset_links').addColumn('revoked_reason', 'text').execute();
      // Keys are made by normalizeEmail, never by SQL lower() (which folds only ASCII).
      const rows = (await db.selectFrom('reset_links').select(['id', 'recipient_email']).execute()) as { id: number; recipient_email: string }[];
      for (const row of rows) {
        await db.updateTable('reset_links').set({ recipient_key: normalizeEmail(row.recipient_email) }).where('id', '=', row.id).execute();
      }
      await db.schema.createIndex('reset_links_login').on('reset_links').columns(['account_id', 'recipient_key', 'id']).execute();
    },
  },
  '0004_audit_admin': {
    async up(db: Kysely<any>) {
      // Who acted. Entries written before this version have none (null: not recorded).
      await db.schema.alterTable('audit_log').addColumn('admin', 'text').execute();
    },
  },
  '0005_holder_name_key': {
    async up(db: Kysely<any>) {
      // Finding a customer by name reads this key, computed in TypeScript (core/name-key.ts), as
      // import writes it; SQL never folds case or accents itself. Filled 1,000 holders a statement.
      await db.schema.alterTable('holders').addColumn('name_key', 'text').execute();
      for (let after = 0; ; ) {
        const rows = await db.selectFrom('holders').select(['id', 'first_name', 'last_name']).where('id', '>', after).orderBy('id').limit(1000).execute();
        if (rows.length === 0) break;
        const keys = JSON.stringify(rows.map((row) => [row.id, nameKey(row.first_name, row.last_name)]));
        await sql`update holders set name_key = k.value ->> 1 from json_each(${keys}) as k where holders.id = k.value ->> 0`.execute(db);
        after = rows[rows.length - 1]!.id;
      }
    },
  },
  // The look-alike advisories of `conflicts` read only the Gmail keys, already grouped by inbox:
  // a partial index holds them (about a tenth of the keys) in inbox order, so the full scan
  // neither tests every key's domain nor builds a string per Gmail key.
  '0006_gmail_inbox': {
    async up(db: Kysely<any>) {
      await sql`create index if not exists holders_gmail_inbox on holders(${sql.raw(GMAIL_INBOX_SQL)}, email_key) where ${sql.raw(GMAIL_KEY_PREDICATE)}`.execute(db);
    },
  },
};

/**
 * The keys on Gmail's two domains (keys are normalized, so a suffix test finds them). Queries
 * must use this exact text for SQLite to read the partial index holders_gmail_inbox.
 */
export const GMAIL_KEY_PREDICATE = `(email_key glob '*@gmail.com' or email_key glob '*@googlemail.com')`;

/**
 * A Gmail key's local part without its +tag and dots: keys equal here reach one inbox (the
 * same rule as gmailInbox in src/core/gmail-inbox.ts, which has the last word on each group).
 */
export const GMAIL_INBOX_SQL = `replace(substr(email_key, 1, instr(replace(email_key, '@', '+'), '+') - 1), '.', '')`;

/** The schema version this build writes: the number of migrations. */
export const SCHEMA_VERSION = Object.keys(migrations).length;
