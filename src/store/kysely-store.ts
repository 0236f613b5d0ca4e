import type { ImportBatch } from '../core/import-batches.js';
import type { ConflictFixPlan } from '../core/plan-conflict-fix.js';
import type { EmailChangePlan } from '../core/plan-email-change.js';
import type { Company } from '../core/types.js';
import { accountsUsingKeys } from './accounts-using.js';
import { applyConflictFix } from './apply-conflict-fix.js';
import { applyEmailChange } from './apply-email-change.js';
import { appendAudit, listAudit, type NewAuditEntry } from './audit.js';
import type { Backend } from './backend.js';
import { getCompany, updateCompany } from './company.js';
import type { Engine, ImportOptions, PatienceOptions } from './engine.js';
import { accountIdsLike, findCustomers } from './find-customers.js';
import { gatherDiagnoseFacts } from './gather-diagnose-facts.js';
import { findHoldersByEmailKey, findHoldersOfAccounts } from './holders.js';
import { issueResetLink, recordDelivery, verifyResetToken, type DeliveryOutcome, type IssuedLink, type ResetIssueOptions } from './reset-links.js';
import type { Store } from './store.js';
import { suggestionsFor } from './suggestions-for.js';

// The one lock key every company-settings write takes (there is one settings row).
const COMPANY_LOCK = 'company';

/** The store's named operations, written once over kysely; the engine supplies locking and bulk paths. */
export class KyselyStore implements Store, Backend {
  #admin: string | (() => string);

  constructor(
    readonly engine: Engine,
    admin: string | (() => string),
  ) {
    this.#admin = admin;
  }

  /** Who is acting, for the audit log (resolved on first use). */
  get admin(): string {
    if (typeof this.#admin === 'function') this.#admin = this.#admin();
    return this.#admin;
  }

  get engineKind() {
    return this.engine.kind;
  }
  get location() {
    return this.engine.location;
  }
  get migratedFrom() {
    return this.engine.migratedFrom;
  }
  get looseMode() {
    return this.engine.looseMode;
  }
  get folder() {
    return this.engine.folder;
  }

  company() {
    return getCompany(this.engine.db);
  }

  setCompany(changes: Partial<Company>, now: Date) {
    return this.engine.writeTransaction([COMPANY_LOCK], async (trx) => {
      const company = await updateCompany(trx, changes, now);
      await appendAudit(trx, { at: now.toISOString(), admin: this.admin, action: 'company.set', accountId: null, emailKey: null, details: { changed: Object.keys(changes).filter((key) => changes[key as keyof Company] !== undefined) } });
      return company;
    });
  }

  async accountCount() {
    const row = await this.engine.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  holdersByEmailKey(key: string) {
    return findHoldersByEmailKey(this.engine.db, key);
  }
  holdersOfAccounts(accountIds: readonly string[]) {
    return findHoldersOfAccounts(this.engine.db, accountIds);
  }
  accountsUsingKeys(keys: readonly string[]) {
    return accountsUsingKeys(this.engine.db, keys);
  }
  accountIdsLike(typed: string) {
    return accountIdsLike(this.engine.db, typed);
  }
  suggestionsFor(emailKey: string) {
    return suggestionsFor(this.engine.db, emailKey);
  }
  findCustomers(query: string, limit?: number) {
    return findCustomers(this.engine.db, query, limit);
  }
  diagnoseFacts(email: string, now: Date) {
    return gatherDiagnoseFacts(this.engine.db, email, now);
  }

  applyConflictFix(plan: ConflictFixPlan, now: Date) {
    return applyConflictFix(this, plan, now);
  }
  applyEmailChange(plan: EmailChangePlan, now: Date) {
    return applyEmailChange(this, plan, now);
  }
  importAccounts(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: Omit<ImportOptions, 'admin'>) {
    return this.engine.importAccounts(batches, { ...options, admin: this.admin });
  }

  issueResetLink(email: string, options: ResetIssueOptions) {
    return issueResetLink(this, email, options);
  }
  recordDelivery(link: IssuedLink, outcome: DeliveryOutcome, now: Date, options?: PatienceOptions) {
    return recordDelivery(this, link, outcome, now, options);
  }
  verifyResetToken(token: string, now: Date) {
    return verifyResetToken(this.engine.db, token, now);
  }

  scanConflicts(options: { advisories?: boolean } = {}) {
    return this.engine.scanConflicts({ advisories: options.advisories !== false });
  }
  checkConflicts(keys: readonly string[], options: { advisories?: boolean } = {}) {
    return this.engine.checkConflicts(keys, { advisories: options.advisories !== false });
  }
  checkIntegrity() {
    return this.engine.checkIntegrity();
  }

  recordAudit(entry: Omit<NewAuditEntry, 'admin'>) {
    return this.engine.writeTransaction([], (trx) => appendAudit(trx, { ...entry, admin: this.admin }));
  }
  listAudit(filter: { emailKey?: string; since?: string }) {
    return listAudit(this.engine.db, filter);
  }

  close() {
    return this.engine.close();
  }
}
