import type { Check, DiagnoseFacts } from '../core/diagnose.js';
import { ProblemError } from '../core/errors.js';
import { classifyMailDomain, recipientMailFrom, type RecipientMail } from '../core/mail-domain.js';
import { MAIL_LOOKUP_BUDGET_MS, mailCannotArrive, mailCheckAddress, mailWarning, recipientMailCheck } from '../core/recipient-mail-check.js';
import { dnsServersFrom } from '../net/dns-servers.js';
import { hasNetworkInterface, lookUpMailDns } from '../net/mail-dns.js';
import type { Store } from '../store/store.js';
import type { Context } from './context.js';

// One lookup per domain per run: the walkthrough looks the same address up several times.
const cache = new WeakMap<Context, Map<string, Promise<RecipientMail>>>();

/**
 * The recipient mail check for `address`: its domain's mail servers from DNS (servers from
 * ENROLLSY_DNS_SERVERS, else the system's), or `not-checked` with --offline or no network.
 * Never throws for a failed lookup (that is a verdict of its own) and never takes more than 1.5 s.
 */
export async function checkRecipientMail(ctx: Context, address: string): Promise<RecipientMail> {
  // Read first, so a malformed ENROLLSY_DNS_SERVERS is reported even when the answer is cached.
  const servers = dnsServersFrom(ctx.io.env);
  const domain = address.trim().slice(address.trim().lastIndexOf('@') + 1).toLowerCase();
  let perRun = cache.get(ctx);
  if (!perRun) cache.set(ctx, (perRun = new Map()));
  let pending = perRun.get(domain);
  if (!pending) {
    pending = (async () => {
      if (ctx.offline) return recipientMailFrom(address, { kind: 'not-checked', why: 'offline' });
      // Named servers may be on this machine; the system's need a network.
      if (servers === null && !hasNetworkInterface()) return recipientMailFrom(address, { kind: 'not-checked', why: 'no-network' });
      return recipientMailFrom(address, classifyMailDomain(await lookUpMailDns(domain, servers, MAIL_LOOKUP_BUDGET_MS)));
    })();
    perRun.set(domain, pending);
  }
  const found = await pending;
  return found.address === address.trim() ? found : { ...found, address: address.trim() };
}

/** The facts `diagnose` needs, with the recipient mail check of the address the reset email would go to. */
export async function gatherFactsWithMail(ctx: Context, store: Store, email: string): Promise<DiagnoseFacts> {
  const facts = await store.diagnoseFacts(email, ctx.clock.now());
  const address = mailCheckAddress(facts);
  return { ...facts, recipientMail: address === null ? null : await checkRecipientMail(ctx, address) };
}

/**
 * The check made before an email goes to `address`: throws ProblemError (exit 1) with
 * `refusal(why)` when the domain says no mail can arrive, writes a warning to stderr for a
 * likely typo, and lets a skipped check pass (a failed lookup is never a bad address).
 * Returns the finding and its check, for --json.
 */
export async function mailGate(ctx: Context, address: string, refusal: (why: string) => string): Promise<{ mail: RecipientMail; check: Check }> {
  const mail = await checkRecipientMail(ctx, address);
  const check = recipientMailCheck(mail);
  const cannot = mailCannotArrive(mail);
  if (cannot !== null) throw new ProblemError(refusal(`No email to ${mail.address} can arrive: ${cannot}`), { recipientMail: check });
  const warning = mailWarning(mail);
  if (warning !== null) ctx.notice(`${ctx.err.yellow('!')} ${warning}.`);
  return { mail, check };
}
