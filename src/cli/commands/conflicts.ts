import { formatCount } from '../../core/format-count.js';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { csvRow } from '../../core/csv-row.js';
import { UsageError } from '../../core/errors.js';
import { emailProblem, normalizeEmail, shortForMessage } from '../../core/email.js';
import { textLines } from '../../core/text-lines.js';
import type { ConflictFindings, LookAlikeAdvisory, SharedAddress } from '../../store/conflict-findings.js';
import { startSpinner } from '../../ui/spinner.js';
import { requireFile } from '../options/require-file.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';

/** Flags of `conflicts`. */
export interface ConflictsOptions {
  file?: string;
  csv?: boolean;
  /** False with --no-advisories: skip the look-alike (shared Gmail inbox) advisories. */
  advisories?: boolean;
}

/** A line the check could not use. */
export interface InvalidLine {
  line: number;
  value: string;
}

// Reads addresses one per line, skipping blank lines and # comments; malformed lines are set
// aside. Repeats are left to the query (a Set here would cost more than it saves).
async function readAddresses(input: Readable, onLine: (count: number) => void): Promise<{ keys: string[]; given: number; invalid: InvalidLine[] }> {
  const keys: string[] = [];
  const invalid: InvalidLine[] = [];
  let line = 0;
  let given = 0;
  for await (const batch of textLines(input)) {
    for (const raw of batch) {
      line++;
      const value = (raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw).trim();
      if (value === '' || value.charCodeAt(0) === 0x23 /* # */) continue;
      given++;
      if (emailProblem(value) !== null) invalid.push({ line, value: shortForMessage(value, 200) });
      else keys.push(normalizeEmail(value));
    }
    if (given >= 10000) onLine(given);
  }
  return { keys, given, invalid };
}

/** Where the addresses came from: command-line arguments or the lines of a file (or stdin). */
type AddressSource = 'arguments' | 'lines';

// "argument 3" for the third address on the command line, "line 3" for a file: what the admin can find.
function invalidLabel(bad: InvalidLine, source: AddressSource): string {
  return `${source === 'arguments' ? 'argument' : 'line'} ${bad.line}`;
}

function renderShared(ctx: Context, shared: SharedAddress, mark: string): string {
  const lines = [`${mark} ${ctx.out.bold(shared.normalizedEmail)}: ${shared.accounts.length > 1 ? `${shared.accounts.length} accounts` : `${shared.accounts[0]!.holders.length} holders of one account (allowed)`}`];
  for (const account of shared.accounts) {
    lines.push(`    ${account.accountName} (${account.accountId}): ${account.holders.map((h) => `${h.role} ${h.name} <${h.email}>`).join(', ')}`);
  }
  return lines.join('\n');
}

// Advisories stand apart from conflicts: they block nothing, but two families read one inbox.
function renderAdvisories(ctx: Context, advisories: readonly LookAlikeAdvisory[]): string[] {
  if (advisories.length === 0) return [];
  const lines = ['', ctx.out.bold('Look-alikes (not conflicts: logins work, but Gmail delivers these different addresses to one inbox):')];
  for (const advisory of advisories) {
    const accounts = new Set(advisory.addresses.flatMap((address) => address.accounts.map((a) => a.accountId)));
    lines.push(`${ctx.out.cyan('i')} ${ctx.out.bold(advisory.inbox)}: ${advisory.addresses.length} addresses in ${accounts.size} accounts`);
    for (const address of advisory.addresses) {
      for (const account of address.accounts) {
        lines.push(`    ${address.normalizedEmail} in ${account.accountName} (${account.accountId}): ${account.holders.map((h) => `${h.role} ${h.name}`).join(', ')}`);
      }
    }
  }
  lines.push('Nothing to fix for login; tell the families that reset emails for either account reach the same inbox.');
  return lines;
}

function renderText(ctx: Context, checked: number, findings: ConflictFindings, invalid: InvalidLine[], source: AddressSource): string {
  const lines: string[] = [];
  for (const conflict of findings.conflicts.items) lines.push(renderShared(ctx, conflict, ctx.out.red('✖')));
  for (const shared of findings.sharedWithinAccount.items) lines.push(renderShared(ctx, shared, ctx.out.yellow('!')));
  for (const bad of invalid) lines.push(`${ctx.out.red('✖')} ${invalidLabel(bad, source)}: "${bad.value}" is not a well-formed address`);
  lines.push(...renderAdvisories(ctx, findings.advisories));
  const n = findings.conflicts.length;
  lines.push(
    '',
    `Checked ${formatCount(checked)} address${checked === 1 ? '' : 'es'}: ${n === 0 ? ctx.out.green('no conflicts') : ctx.out.red(`${formatCount(n)} used in more than one account`)}` +
      (invalid.length > 0 ? `, ${invalid.length} invalid ${source === 'arguments' ? 'address' : 'line'}${invalid.length === 1 ? '' : source === 'arguments' ? 'es' : 's'}` : '') +
      (findings.sharedWithinAccount.length > 0 ? `, ${findings.sharedWithinAccount.length} shared within one account (allowed)` : '') +
      (findings.advisories.length > 0 ? `, ${findings.advisories.length} look-alike${findings.advisories.length === 1 ? '' : 's'} sharing a Gmail inbox (advisory)` : '') +
      '.',
  );
  if (n > 0) lines.push(`Fix each with: enrollsy-help fix-conflict <email> --keep <accountId> --delete (or --change-to <new-email>)`);
  return lines.join('\n');
}

function renderCsv(findings: ConflictFindings): string {
  const rows = [csvRow(['normalized_email', 'account_id', 'account_name', 'role', 'name', 'email'])];
  for (const conflict of findings.conflicts.items) {
    for (const account of conflict.accounts) {
      for (const holder of account.holders) rows.push(csvRow([conflict.normalizedEmail, account.accountId, account.accountName, holder.role, holder.name, holder.email]));
    }
  }
  return rows.join('\n');
}

/** `conflicts`: the whole store, or the given addresses (arguments, --file <path>, or --file - for stdin). */
export async function runConflicts(ctx: Context, emails: string[], options: ConflictsOptions): Promise<CommandResult> {
  if (options.csv && ctx.json) throw new UsageError('Choose one output: --json or --csv.');
  if (options.file !== undefined && emails.length > 0) throw new UsageError('Give addresses as arguments or with --file, not both.');
  if (options.file !== undefined && options.file !== '-') requireFile(options.file, 'a file with one address per line');
  const store = await ctx.openStore();
  // At a terminal, stdin is the admin typing or pasting: say how to finish, and keep the screen free of a spinner.
  const pasting = options.file === '-' && ctx.io.stdin.isTTY === true;
  if (pasting) ctx.notice('Paste addresses, one per line; press Ctrl-D on a new line to finish.');
  const spinner = pasting ? { update: () => {}, stop: () => {} } : await startSpinner(ctx, 'Checking addresses…');
  try {
    let checked: number;
    let findings: ConflictFindings;
    let invalid: InvalidLine[] = [];
    let intact: Promise<void> | undefined;
    if (options.file === undefined && emails.length === 0) {
      spinner.update('Checking the store file and scanning it for addresses used in more than one account…');
      // A damaged page must not read as "no conflicts". The check runs beside the scan (SQLite:
      // on a second thread); the output is rendered meanwhile and printed only once it passed.
      intact = store.checkIntegrity();
      try {
        ({ checked, ...findings } = await store.scanConflicts({ advisories: options.advisories !== false }));
      } catch (error) {
        await intact; // damage explains a failed scan best
        throw error;
      }
    } else {
      let keys: string[];
      if (options.file !== undefined) {
        const input = options.file === '-' ? ctx.io.stdin : createReadStream(options.file);
        let given: number;
        ({ keys, given, invalid } = await readAddresses(input, (count) => spinner.update(`Reading addresses… ${formatCount(count)}`)));
        checked = given;
      } else {
        keys = [];
        emails.forEach((email, i) => (emailProblem(email) === null ? keys.push(normalizeEmail(email)) : invalid.push({ line: i + 1, value: shortForMessage(email, 200) })));
        checked = emails.length;
      }
      spinner.update(`Checking ${formatCount(keys.length)} addresses…`);
      findings = await store.checkConflicts(keys, { advisories: options.advisories !== false });
    }
    spinner.stop();
    const exitCode = findings.conflicts.length > 0 || invalid.length > 0 ? 1 : 0;
    const source: AddressSource = options.file === undefined ? 'arguments' : 'lines';
    if (options.csv && invalid.length > 0) for (const bad of invalid) ctx.notice(`✖ ${invalidLabel(bad, source)}: "${bad.value}" is not a well-formed address`);
    return {
      exitCode,
      gate: intact,
      json: { checked, conflicts: findings.conflicts, invalid, sharedWithinAccount: findings.sharedWithinAccount, advisories: findings.advisories },
      text: () => (options.csv ? renderCsv(findings) : renderText(ctx, checked, findings, invalid, source)),
    };
  } finally {
    spinner.stop();
    await store.close();
  }
}
