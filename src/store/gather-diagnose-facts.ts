import type { Kysely } from 'kysely';
import type { DiagnoseFacts } from '../core/diagnose.js';
import { normalizeEmail } from '../core/email.js';
import { likelyDomain } from '../core/suggest.js';
import { accountsUsingKeys } from './accounts-using.js';
import { PLACEHOLDER_COMPANY_NAME } from '../core/company-setup.js';
import { getCompany } from './company.js';
import { findHoldersByEmailKey, findHoldersOfAccounts } from './holders.js';
import type { StoreSchema } from './schema.js';
import { latestLinksByLogin } from './reset-links.js';
import { suggestionsFor } from './suggestions-for.js';

/** Reads everything `diagnose` needs about one address: a handful of indexed lookups. */
export async function gatherDiagnoseFacts(db: Kysely<StoreSchema>, email: string, now: Date): Promise<DiagnoseFacts> {
  const emailKey = normalizeEmail(email);
  const holdersWithAddress = await findHoldersByEmailKey(db, emailKey);
  const company = await getCompany(db);
  const accountIds = [...new Set(holdersWithAddress.map((h) => h.accountId))];
  const accountHolders = await findHoldersOfAccounts(db, accountIds);
  const keys = [emailKey, ...accountHolders.map((h) => h.emailKey).filter((key): key is string => key !== null)];
  const using = await accountsUsingKeys(db, keys);
  const domain = emailKey.slice(emailKey.lastIndexOf('@') + 1);
  const wantSuggestions = holdersWithAddress.length === 0 || (emailKey.includes('@') && likelyDomain(domain) !== null);
  return {
    email,
    emailKey,
    holdersWithAddress,
    accountHolders,
    accountsUsing: (key) => using.get(key) ?? [],
    latestLinks: await latestLinksByLogin(db, accountIds),
    company,
    companyNameIsPlaceholder: company.name === PLACEHOLDER_COMPANY_NAME,
    suggestions: wantSuggestions ? await suggestionsFor(db, emailKey) : [],
    now,
  };
}
