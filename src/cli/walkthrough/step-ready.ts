import { CliError } from '../../core/errors.js';
import type { Company } from '../../core/types.js';
import { companyChanges, type CompanySetOptions } from '../commands/company.js';
import { look, onward, type StepOutcome, type Walk, type WalkFacts } from './walk.js';

/** A company setting the walkthrough needs, how to ask for it, and the flag that sets it. */
interface Setting {
  option: keyof CompanySetOptions;
  what: string;
  question: string;
}

/** The settings missing for links and emails to work (the sender may come from ENROLLSY_MAIL_FROM). */
export function missingSettings(company: Company, placeholderName: boolean, env: NodeJS.ProcessEnv): Setting[] {
  const all: (Setting | false)[] = [
    placeholderName && { option: 'name' as const, what: 'the company name customers see', question: 'Company name, as customers know it:' },
    !company.signInUrl && { option: 'signInUrl' as const, what: 'the Account Sign-In link', question: 'Account Sign-In link (from "My Company" in Enrollsy):' },
    !company.resetUrl && { option: 'resetUrl' as const, what: 'the Account Password Reset link', question: 'Account Password Reset link (from "My Company"):' },
    !company.sender && !env.ENROLLSY_MAIL_FROM?.trim() && { option: 'sender' as const, what: 'the sender address of customer emails', question: 'Sender address of customer emails:' },
  ];
  return all.filter((s): s is Setting => s !== false);
}

// The rules' messages name flags; the admin typed an answer, not a flag.
function inWords(message: string): string {
  return message.replace(/^--[a-z-]+:?\s*/, 'It ').replace(/ \(enrollsy-help [^)]*\)/g, '');
}

/**
 * Before the vendor's steps: the company settings that links and emails need. When some are
 * missing, offers to fill them in right there (checked by the same rules as `company set`), so
 * no later step ends for want of them.
 */
export async function readyStep(walk: Walk, facts: WalkFacts): Promise<StepOutcome> {
  const { ctx } = walk;
  const missing = missingSettings(facts.facts.company, facts.facts.companyNameIsPlaceholder === true, ctx.io.env);
  if (missing.length === 0) return onward(facts, '');
  walk.heading('Company settings');
  walk.say(`${ctx.out.yellow('!')} Not set yet: ${missing.map((m) => m.what).join(', ')}. Without them the links cannot be handed out and emails cannot say who they are from.`);
  walk.commands.push(`enrollsy-help company set ${missing.map((m) => `--${m.option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} <…>`).join(' ')}`);
  const fill = await walk.ask.select('Fill them in now?', [
    { name: 'Yes, I have the "My Company" page open', value: true },
    { name: 'No, go on without them', value: false },
  ]);
  if (!fill) return onward(facts, `Company settings incomplete (${missing.map((m) => m.what).join(', ')}); left as they are.`);
  const changes: Partial<Company> = {};
  for (const setting of missing) {
    const value = await walk.ask.input(setting.question, (typed) => {
      try {
        companyChanges({ [setting.option]: typed });
        return true;
      } catch (error) {
        if (error instanceof CliError) return inWords(error.message);
        throw error;
      }
    });
    Object.assign(changes, companyChanges({ [setting.option]: value }));
  }
  await walk.store.setCompany(changes, ctx.clock.now());
  walk.say(`${ctx.out.green('✔')} Company settings saved (recorded in the audit log).`);
  const after = await look(walk, facts.email, facts.awaiting);
  return onward(after, `Company settings were missing; filled in: ${missing.map((m) => m.what).join(', ')}.`, { done: ['Saved the company settings.'] });
}
