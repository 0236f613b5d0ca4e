import { holderName, type Holder } from '../../core/types.js';
import { renderHolders } from '../render/render-holders.js';
import { checkOf, look, onward, showChecks, type StepOutcome, type Walk, type WalkFacts } from './walk.js';

// How many accounts a name search shows before asking for a narrower one.
const SEARCH_LIMIT = 8;

/** Looks the customer up by name or account id; resolves to the address of the holder the admin picks, or null. */
async function findByName(walk: Walk): Promise<string | null> {
  const { ctx } = walk;
  for (;;) {
    const query = await walk.ask.input("The customer's name, or their account id:", (value) => (value.trim() === '' ? 'Type a name (or part of one) or an account id.' : true));
    walk.commands.push(`enrollsy-help find ${query.trim()}`);
    const search = await walk.store.findCustomers(query, SEARCH_LIMIT);
    const choices: { name: string; value: string | null }[] = [];
    for (const account of search.accounts) {
      for (const h of account.holders) {
        if (h.email) choices.push({ name: `${holderName(h)} (${h.role}) <${h.email}>, ${account.accountName} (${account.accountId})`, value: h.email });
      }
    }
    if (search.accounts.length === 0) walk.say(`${ctx.out.yellow('!')} No account id or holder name matches "${query.trim()}".`);
    else if (choices.length === 0) walk.say(`${ctx.out.yellow('!')} ${search.accounts.length} account(s) match, but none of their holders has an email address to look up.`);
    const picked = await walk.ask.select<string | null | 'again'>(choices.length > 0 ? 'Which of them is the customer?' : 'What now?', [
      ...choices,
      { name: 'Search again', value: 'again' },
      { name: 'None of these: stop here', value: null },
    ]);
    if (picked !== 'again') return picked;
  }
}

/**
 * Step 1: who uses the address. When nobody does, offers the nearest stored addresses and a
 * search by name or account id (customers often give a name, not the address they signed up
 * with), and carries on with the one the admin picks.
 */
export async function whoStep(walk: Walk, facts: WalkFacts): Promise<StepOutcome> {
  const { ctx } = walk;
  walk.heading(`Who uses ${facts.email.trim()}?`);
  const tried: string[] = [];
  while (!facts.report.found) {
    tried.push(facts.report.normalizedEmail);
    showChecks(walk, [checkOf(facts, 'email-format'), checkOf(facts, 'account-found'), checkOf(facts, 'email-domain')].filter((c) => c?.status !== 'pass'));
    const choice = await walk.ask.select<string | null | 'find'>('Did the customer mean one of these?', [
      ...facts.report.suggestions.map((s) => ({ name: s, value: s })),
      { name: 'Look the customer up by name or account id', value: 'find' },
      { name: 'None of these: stop here', value: null },
    ]);
    const email = choice === 'find' ? await findByName(walk) : choice;
    if (email === null) {
      walk.say('Ask the customer which address they signed up with; nothing was changed.');
      return { ...onward(facts, `Looked up ${tried.join(', ')}: no holder uses it; the customer's account was not found.`), next: 'stop' };
    }
    facts = await look(walk, email);
    walk.say(`${ctx.out.cyan('i')} Going on with ${email}.`);
  }
  walk.say(renderHolders(ctx.out, facts.facts.holdersWithAddress, facts.facts.emailKey));
  showChecks(walk, [checkOf(facts, 'email-domain'), checkOf(facts, 'login-access')]);
  const accounts = new Set(facts.report.holders.map((h) => h.accountId));
  const who = facts.facts.holdersWithAddress.map((h: Holder) => `${holderName(h)} (${h.role}, ${h.accountName} ${h.accountId})`).join(', ');
  const first = tried.length > 0 ? `No holder uses ${tried.join(', ')}; the customer confirmed ${facts.report.normalizedEmail} instead. ` : '';
  return onward(facts, `${first}${facts.report.normalizedEmail} is used by ${who}, in ${accounts.size} account${accounts.size === 1 ? '' : 's'}.`);
}
