import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Company } from '../../core/types.js';
import { importBatches } from '../../core/import-batches.js';
import { packageRoot } from '../../core/package-root.js';
import { appendAudit } from '../../store/audit.js';
import { getCompany, PLACEHOLDER_COMPANY_NAME, updateCompany } from '../../store/company.js';
import type { Store } from '../../store/open-store.js';
import { UsageError } from '../../core/errors.js';
import { immediateTransaction } from '../../store/immediate-transaction.js';
import { importAccounts } from '../../store/import-accounts.js';
import { SCHEMA_VERSION } from '../../store/migrations.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { companyChanges, renderCompany, type CompanySetOptions } from './company.js';

/** Flags of `init`. */
export interface InitOptions extends CompanySetOptions {
  demo?: boolean;
}

// The demo's made-up accounts and settings must never slip into a real store by accident.
async function confirmDemoOverReal(ctx: Context, store: Store, demoName: string): Promise<void> {
  const company = await getCompany(store.db);
  const { n: accounts } = (await store.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow());
  const real = company.name !== demoName && (accounts > 0 || company.signInUrl !== null || company.resetUrl !== null);
  if (!real || ctx.yes) return;
  const what = `${ctx.storePath} already holds ${company.name === PLACEHOLDER_COMPANY_NAME ? '' : `${company.name}'s `}data (${accounts} account${accounts === 1 ? '' : 's'}); --demo would add made-up accounts and replace the company's links and sender with the demo ones`;
  if (!ctx.interactive) throw new UsageError(`${what}. Use another store (e.g. --db data/demo.db), or pass --yes to do it anyway. Nothing was changed.`);
  const { terminalPrompter } = await import('../../ui/prompts.js');
  const ask = await terminalPrompter(ctx.io);
  if (!(await ask.confirm(`${what}. Load the demo data anyway?`, false))) throw new UsageError('Nothing was changed. Try the demo in its own store: enrollsy-help --db data/demo.db init --demo');
}

/** `init`: creates or migrates the store; `--demo` loads the demo company and accounts. */
export async function runInit(ctx: Context, options: InitOptions): Promise<CommandResult> {
  const changes = companyChanges(options);
  const store = await ctx.openStore({ create: true });
  try {
    const now = ctx.clock.now();
    let demo: { accounts: number; holders: number } | null = null;
    if (options.demo) {
      const fixtures = join(packageRoot(), 'fixtures');
      const demoCompany = JSON.parse(readFileSync(join(fixtures, 'demo-company.json'), 'utf8')) as Partial<Company>;
      await confirmDemoOverReal(ctx, store, demoCompany.name ?? '');
      Object.assign(changes, { ...demoCompany, ...changes });
      const outcome = await importAccounts(store, importBatches(createReadStream(join(fixtures, 'demo-accounts.csv')), 'fixtures/demo-accounts.csv'), {
        skipInvalid: false,
        now,
        sourceName: 'fixtures/demo-accounts.csv',
      });
      demo = outcome.imported;
    }
    if (Object.keys(changes).length > 0) {
      await immediateTransaction(store, async (trx) => {
        await updateCompany(trx, changes, now);
        await appendAudit(trx, { at: now.toISOString(), admin: store.admin, action: 'company.set', accountId: null, emailKey: null, details: { changed: Object.keys(changes) } });
      });
    }
    const company = await getCompany(store.db);
    const lines = [
      store.migratedFrom
        ? `${ctx.out.green('✔')} Store ${ctx.storePath} migrated from schema ${store.migratedFrom.version} to ${SCHEMA_VERSION} (the old file is kept as ${store.migratedFrom.backup}).`
        : `${ctx.out.green('✔')} Store ready: ${ctx.storePath} (schema ${SCHEMA_VERSION}).`,
    ];
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
      json: { store: store.path, schemaVersion: SCHEMA_VERSION, migratedFrom: store.migratedFrom, demo },
      text: lines.join('\n'),
    };
  } finally {
    await store.close();
  }
}
