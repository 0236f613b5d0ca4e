import { Command } from '@commander-js/extra-typings';
import { CliError, StoreError, UsageError } from '../../core/errors.js';
import { emailProblem, shortForMessage } from '../../core/email.js';
import type { Check } from '../../core/diagnose.js';
import type { Company } from '../../core/types.js';
import type { Store } from '../../store/store.js';
import { storeProblemFix } from '../store-problem-fix.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';
import { statusMark } from '../render/render-checks.js';

/** `doctor`'s flags; the handler's types are inferred from them. */
export function doctorCommand() {
  return new Command('doctor')
    .description('check the set-up: the store, the company settings, and the mail server (connects and logs in; sends nothing unless --send-test)')
    .option('--send-test <address>', 'also send one test message to this address');
}

/** Flags of `doctor`, as commander parses them. */
export type DoctorOptions = ReturnType<ReturnType<typeof doctorCommand>['opts']>;

/** What `doctor --json` prints. */
interface DoctorReport {
  ok: boolean;
  checks: Check[];
  /** Where messages go: the outbox folder (saved, not sent), or the SMTP server. */
  mail: { transport: 'outbox' | 'smtp'; location: string } | null;
  testMessage: { to: string; transport: 'outbox' | 'smtp'; messageId: string; location: string } | null;
}

const SMTP_EXAMPLE = 'ENROLLSY_SMTP_URL=smtp://user:password@smtp.example.com:587';

/** The store: it opens (migrating an older one forward), its schema, who can read it. */
async function checkStore(ctx: Context, checks: Check[]): Promise<Store | null> {
  let store: Store;
  try {
    store = await ctx.openStore();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    // The message of a store that cannot be reached says what to check; init only helps a missing store.
    const fix = error instanceof StoreError && error.fix ? storeProblemFix(error.fix).replace(/^[.;:]\s*/, '').replace(/\.$/, '') : '';
    checks.push({ id: 'store', status: 'fail', title: 'Store', detail: error.message.replace(/\.$/, ''), fix });
    return null;
  }
  const { SCHEMA_VERSION } = await import('../../store/migrations.js');
  checks.push({ id: 'store', status: 'pass', title: 'Store', detail: `${store.location} opens (schema ${SCHEMA_VERSION}, up to date)`, fix: '' });
  checks.push(
    store.engineKind === 'postgres'
      ? { id: 'store-permissions', status: 'info', title: 'Store permissions', detail: "a PostgreSQL store: who can read it is set by the database's roles and grants, not by a file mode", fix: '' }
      : store.looseMode === null
      ? { id: 'store-permissions', status: 'pass', title: 'Store permissions', detail: 'only its owner can read it', fix: '' }
      : {
          id: 'store-permissions',
          status: 'fail',
          title: 'Store permissions',
          detail: `other users of this machine can read it (mode ${store.looseMode.toString(8)}), and it holds customers' names and addresses`,
          fix: `chmod 600 '${store.location}'`,
        },
  );
  return store;
}

/** `doctor [--send-test <address>]`: exit 0 when everything is in place, 1 when a check fails. */
export async function runDoctor(ctx: Context, options: DoctorOptions): Promise<CommandResult> {
  const testProblem = options.sendTest === undefined ? null : emailProblem(options.sendTest);
  if (testProblem !== null) throw new UsageError(`--send-test: "${shortForMessage(options.sendTest!)}" is not a valid address (${testProblem}). Nothing was sent.`);
  const { createMailer, senderAddress } = await import('../../mail/mailer.js');
  const { PLACEHOLDER_COMPANY_NAME } = await import('../../core/company-setup.js');
  const { companyChecks } = await import('../../core/company-checks.js');
  const checks: Check[] = [];
  const report: DoctorReport = { ok: false, checks, mail: null, testMessage: null };
  const store = await checkStore(ctx, checks);
  try {
    let company: Company | null = null;
    let sender: string | null = null;
    if (store) {
      company = await store.company();
      let senderProblem: string | null = null;
      try {
        sender = senderAddress(ctx.io.env, company);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        senderProblem = error.message.replace(/\.$/, '');
      }
      checks.push(...companyChecks(company, { nameIsPlaceholder: company.name === PLACEHOLDER_COMPANY_NAME, senderProblem, sender }));
    }

    let mailer;
    try {
      mailer = createMailer({ env: ctx.io.env, outbox: ctx.outboxFor(store) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      checks.push({ id: 'mail-server', status: 'fail', title: 'Mail server', detail: error.message.replace(/\.$/, ''), fix: `Correct the mail settings, e.g. ${SMTP_EXAMPLE}` });
    }
    if (mailer) {
      try {
        report.mail = { transport: mailer.transport, location: mailer.location };
        const outbox = mailer.transport === 'outbox';
        checks.push(
          outbox
            ? {
                id: 'mail-server',
                status: 'warn',
                title: 'Mail server',
                detail: `none is set (ENROLLSY_SMTP_URL), so emails are saved to the outbox, not sent: ${mailer.location}`,
                fix: `To send them, set ${SMTP_EXAMPLE}; until then, send each saved .eml yourself`,
              }
            : { id: 'mail-server', status: 'pass', title: 'Mail server', detail: mailer.description, fix: '' },
        );
        if (ctx.offline && !outbox) {
          // --offline skips every network check: the server is named above, not contacted.
          checks.push({ id: 'mail-connection', status: 'skip', title: 'Mail server login', detail: 'skipped because of --offline: the mail server was not contacted', fix: '' });
        } else {
          try {
            await mailer.verify();
            checks.push(
              outbox
                ? { id: 'mail-connection', status: 'pass', title: 'Outbox folder', detail: `${mailer.location} can be written`, fix: '' }
                : { id: 'mail-connection', status: 'pass', title: 'Mail server login', detail: `connected to ${mailer.description.replace(/^SMTP /, '')}${/ as /.test(mailer.description) ? ' and logged in' : ' (no login set)'}`, fix: '' },
            );
          } catch (error) {
            if (!(error instanceof CliError)) throw error;
            const code = (error.extra as { code?: string } | undefined)?.code;
            checks.push({
              id: 'mail-connection',
              status: 'fail',
              title: outbox ? 'Outbox folder' : 'Mail server login',
              detail: error.message.replace(/\.$/, ''),
              fix: outbox
                ? 'Make the folder writable by you (or keep the store, and so its outbox, in a folder you can write)'
                : code === 'EAUTH'
                  ? 'Check the user name and password in ENROLLSY_SMTP_URL (or the file ENROLLSY_SMTP_PASSWORD_FILE names) with your mail provider'
                  : "Check the host and port in ENROLLSY_SMTP_URL against your mail provider's SMTP settings",
            });
          }
        }
        if (options.sendTest !== undefined) await sendTest(ctx, { mailer, company, sender, store, to: options.sendTest, checks, report });
      } finally {
        mailer.close();
      }
    }
  } finally {
    await store?.close();
  }
  report.ok = checks.every((check) => check.status !== 'fail');
  return { exitCode: report.ok ? 0 : 1, json: report, text: () => renderDoctor(ctx, report) };
}

async function sendTest(
  ctx: Context,
  run: { mailer: import('../../mail/mailer.js').Mailer; company: Company | null; sender: string | null; store: Store | null; to: string; checks: Check[]; report: DoctorReport },
): Promise<void> {
  const { mailer, company, sender, store, to, checks } = run;
  const { testMessage } = await import('../../mail/templates.js');
  const { senderMailbox } = await import('../../mail/mailer.js');
  if (sender === null || company === null) {
    checks.push({ id: 'test-message', status: 'fail', title: 'Test message', detail: 'not sent: there is no usable sender address', fix: 'Fix the sender address above, then run this again' });
    return;
  }
  try {
    const sent = await mailer.send({
      to: to.trim(),
      from: senderMailbox(ctx.io.env, company),
      ...testMessage({ company, sender }),
    });
    run.report.testMessage = { to: to.trim(), transport: sent.transport, messageId: sent.messageId, location: sent.location };
    checks.push(
      sent.transport === 'outbox'
        ? { id: 'test-message', status: 'warn', title: 'Test message', detail: `saved to the outbox, not sent: ${sent.location}`, fix: `Set ${SMTP_EXAMPLE} to send it` }
        : { id: 'test-message', status: 'pass', title: 'Test message', detail: `accepted by ${sent.location} for ${to.trim()}; check that inbox, and its spam folder`, fix: '' },
    );
    if (store) {
      const now = ctx.clock.now();
      await store.recordAudit({ at: now.toISOString(), action: sent.transport === 'outbox' ? 'mail.test-saved' : 'mail.test-sent', accountId: null, emailKey: null, details: { to: to.trim(), transport: sent.transport, messageId: sent.messageId } });
    }
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    checks.push({ id: 'test-message', status: 'fail', title: 'Test message', detail: `not sent: ${error.message.replace(/\.$/, '')}`, fix: 'Fix the mail server problem above, then run this again' });
  }
}

/** One line per check: mark, what, the finding, and for a problem its fix. */
function renderDoctor(ctx: Context, report: DoctorReport): string {
  const lines = report.checks.map((check) => {
    const fix = check.status === 'fail' || check.status === 'warn' ? ` ${ctx.out.cyan('→')} ${check.fix}` : '';
    return `${statusMark(ctx.out, check.status)} ${ctx.out.bold(check.title)}: ${check.detail}${fix}`;
  });
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  lines.push('', failed === 0 ? `${ctx.out.green('✔')} No problems found.` : `${ctx.out.red('✖')} ${failed} problem${failed === 1 ? '' : 's'} found.`);
  return lines.join('\n');
}
