import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Company } from '../../core/types.js';
import { importBatches } from '../../core/import-batches.js';
import { packageRoot } from '../../core/package-root.js';
import { PLACEHOLDER_COMPANY_NAME } from '../../core/company-setup.js';
import { isPostgresUrl } from '../../store/postgres/postgres-location.js';
import type { Store } from '../../store/store.js';
import { UsageError } from '../../core/errors.js';
import { SCHEMA_VERSION } from '../../store/migrations.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { companyChanges, renderCompany, type CompanySetOptions } from './company.js';

/** Flags of `init`. */
export interface InitOptions extends CompanySetOptions {
  demo?: boolean;
  /** PostgreSQL: the schema to create the store in. */
  schema?: string;
}

// The demo's made-up accounts and settings must never slip into a real store by accident.
async function confirmDemoOverReal(ctx: Context, store: Store, demoName: string): Promise<void> {
  const company = await store.company();
  const accounts = await store.accountCount();
  const real = company.name !== demoName && (accounts > 0 || company.signInUrl !== null || company.resetUrl !== null);
  if (!real || ctx.yes) return;
  const what = `${ctx.storeLabel} already holds ${company.name === PLACEHOLDER_COMPANY_NAME ? '' : `${company.name}'s `}data (${accounts} account${accounts === 1 ? '' : 's'}); --demo would add made-up accounts and replace the company's links and sender with the demo ones`;
  if (!ctx.interactive) throw new UsageError(`${what}. Use another store (e.g. --db data/demo.db), or pass --yes to do it anyway. Nothing was changed.`);
  const ask = await ctx.prompter();
  if (!(await ask.confirm(`${what}. Load the demo data anyway?`, false))) throw new UsageError('Nothing was changed. Try the demo in its own store: enrollsy-help --db data/demo.db init --demo');
}

/** `init`: creates or migrates the store; `--demo` loads the demo company and accounts. */
export async function runInit(ctx: Context, options: InitOptions): Promise<CommandResult> {
  const changes = companyChanges(options);
  if (options.schema !== undefined && !isPostgresUrl(ctx.storePath)) {
    throw new UsageError('--schema is for a PostgreSQL store (--db postgres://…); a SQLite file has no schemas. Nothing was changed.');
  }
  const inUrl = isPostgresUrl(ctx.storePath) && URL.canParse(ctx.storePath.trim()) ? new URL(ctx.storePath.trim()).searchParams.get('schema') : null;
  if (options.schema !== undefined && inUrl !== null && inUrl !== options.schema) {
    throw new UsageError(`--schema ${options.schema} and the URL's ?schema=${inUrl} name different schemas; give one of them. Nothing was changed.`);
  }
  const store = await ctx.openStore({ create: true, schema: options.schema });
  try {
    const now = ctx.clock.now();
    let demo: { accounts: number; holders: number } | null = null;
    if (options.demo) {
      const fixtures = join(packageRoot(), 'fixtures');
      const demoCompany = JSON.parse(readFileSync(join(fixtures, 'demo-company.json'), 'utf8')) as Partial<Company>;
      await confirmDemoOverReal(ctx, store, demoCompany.name ?? '');
      Object.assign(changes, { ...demoCompany, ...changes });
      // The demo company first: an init --demo killed between the two writes then leaves a store
      // the next init --demo recognises as the demo's (not a real company's, which it would refuse to mix into).
      await store.setCompany(changes, now);
      const outcome = await store.importAccounts(importBatches(createReadStream(join(fixtures, 'demo-accounts.csv')), 'fixtures/demo-accounts.csv'), {
        skipInvalid: false,
        now,
        sourceName: 'fixtures/demo-accounts.csv',
      });
      demo = outcome.imported;
    }
    if (!options.demo && Object.keys(changes).length > 0) {
      await store.setCompany(changes, now);
    }
    const company = await store.company();
    const lines = [
      store.migratedFrom
        ? `${ctx.out.green('✔')} Store ${ctx.storeLabel} migrated from schema ${store.migratedFrom.version} to ${SCHEMA_VERSION}${store.migratedFrom.backup ? ` (the old file is kept as ${store.migratedFrom.backup})` : ' in one transaction'}.`
        : `${ctx.out.green('✔')} Store ready: ${ctx.storeLabel} (schema ${SCHEMA_VERSION}).`,
    ];
    if (options.schema !== undefined) lines.push(`  The store is in the PostgreSQL schema "${options.schema}": give the other commands the URL with ?schema=${options.schema} (in --db or ENROLLSY_DB).`);
    if (demo) lines.push(`${ctx.out.green('✔')} Demo data loaded: ${demo.accounts} accounts, ${demo.holders} holders.`);
    lines.push('', renderCompany(ctx, company));
    lines.push(
      '',
      !company.signInUrl || !company.resetUrl
        ? 'Next: set the links from "My Company" (enrollsy-help company set --name <name> --sign-in-url <url> --reset-url <url> --sender <email>), then enrollsy-help import <accounts.csv>.'
        : 'Next: enrollsy-help import <accounts.csv>, then enrollsy-help diagnose <email>.',
    );
    return {
      exitCode: 0,
      json: { store: store.location, schemaVersion: SCHEMA_VERSION, migratedFrom: store.migratedFrom, demo },
      text: lines.join('\n'),
    };
  } finally {
    await store.close();
  }
}
