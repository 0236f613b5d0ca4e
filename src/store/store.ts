import type { DiagnoseFacts } from '../core/diagnose.js';
import type { ImportBatch } from '../core/import-batches.js';
import type { ConflictFixPlan } from '../core/plan-conflict-fix.js';
import type { EmailChangePlan } from '../core/plan-email-change.js';
import type { Company, Holder } from '../core/types.js';
import type { AuditEntry, NewAuditEntry } from './audit.js';
import type { EmailChangeOutcome } from './apply-email-change.js';
import type { ConflictFindings } from './conflict-findings.js';
import type { EngineKind, ImportOptions, MigratedFrom, PatienceOptions } from './engine.js';
import type { CustomerSearch } from './find-customers.js';
import type { ImportOutcome } from './import-outcome.js';
import type { DeliveryOutcome, IssuedLink, ResetIssueOptions, LinkVerification } from './reset-links.js';

/**
 * The account store as commands see it: named operations only. Commands never see SQL, kysely or
 * a driver; one implementation over kysely serves SQLite and PostgreSQL (src/store/kysely-store.ts),
 * with the engines' differences in src/store/engine.ts.
 */
export interface Store {
  readonly engineKind: EngineKind;
  /** The store as it may be printed: a file path, or a URL without its password. */
  readonly location: string;
  /** Who acts: written into every audit entry. */
  readonly admin: string;
  readonly migratedFrom: MigratedFrom | null;
  /** SQLite: the file's mode when others may read it, else null. */
  readonly looseMode: number | null;
  /** SQLite: the folder holding the store file (the outbox's default home); PostgreSQL: null. */
  readonly folder: string | null;

  // Company settings
  company(): Promise<Company>;
  /** Changes the given settings in one transaction, audited as `company.set`; returns the result. */
  setCompany(changes: Partial<Company>, now: Date): Promise<Company>;
  accountCount(): Promise<number>;

  // Holders and lookups
  holdersByEmailKey(key: string): Promise<Holder[]>;
  holdersOfAccounts(accountIds: readonly string[]): Promise<Holder[]>;
  /** For each key, the distinct accounts whose holders use it. */
  accountsUsingKeys(keys: readonly string[]): Promise<Map<string, string[]>>;
  /** Stored account ids equal to `typed` as given, upper- or lower-cased. */
  accountIdsLike(typed: string): Promise<string[]>;
  suggestionsFor(emailKey: string): Promise<string[]>;
  findCustomers(query: string, limit?: number): Promise<CustomerSearch>;
  diagnoseFacts(email: string, now: Date): Promise<DiagnoseFacts>;

  // Changes (each in one write transaction, audited, revoking the links of logins they end)
  applyConflictFix(plan: ConflictFixPlan, now: Date): Promise<{ holdersChanged: number; linksRevoked: number }>;
  applyEmailChange(plan: EmailChangePlan, now: Date): Promise<EmailChangeOutcome>;
  importAccounts(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options: Omit<ImportOptions, 'admin'>): Promise<ImportOutcome>;

  // Reset links
  issueResetLink(email: string, options: ResetIssueOptions): Promise<IssuedLink>;
  recordDelivery(link: IssuedLink, outcome: DeliveryOutcome, now: Date, options?: PatienceOptions): Promise<boolean>;
  verifyResetToken(token: string, now: Date): Promise<LinkVerification>;

  // Conflicts
  scanConflicts(options?: { advisories?: boolean }): Promise<ConflictFindings & { checked: number }>;
  checkConflicts(keys: readonly string[], options?: { advisories?: boolean }): Promise<ConflictFindings>;
  /** Fails with exit 3 when the store is damaged (run before a full scan and by init). */
  checkIntegrity(): Promise<void>;

  // Audit
  /** Appends one entry (who acted is the store's admin). */
  recordAudit(entry: Omit<NewAuditEntry, 'admin'>): Promise<void>;
  listAudit(filter: { emailKey?: string; since?: string }): Promise<AuditEntry[]>;

  close(): Promise<void>;
}
