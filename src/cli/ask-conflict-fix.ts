import { emailProblem } from '../core/email.js';
import type { ConflictFixRequest } from '../core/plan-conflict-fix.js';
import { holderName, type Holder } from '../core/types.js';
import type { Prompter } from '../ui/prompts.js';

/**
 * Asks, on a terminal, whatever the admin has not already said about an R1 fix: which account
 * keeps the address, remove or change it elsewhere, which account gets a new address, and the
 * new address. Shared by `fix-conflict` and the diagnose walkthrough.
 */
export async function askConflictFix(
  ask: Prompter,
  email: string,
  accounts: ReadonlyMap<string, readonly Holder[]>,
  given: Partial<Omit<ConflictFixRequest, 'email'>> = {},
): Promise<ConflictFixRequest> {
  const label = (id: string) => `${accounts.get(id)![0]!.accountName} (${id})`;
  const keep =
    given.keep ??
    (await ask.select(
      'Which account keeps the address? (the customer who is trying to log in)',
      [...accounts.entries()].map(([id, holders]) => ({ name: `${label(id)}: ${holders.map((h) => `${h.role} ${holderName(h)}`).join(', ')}`, value: id })),
    ));
  const action =
    given.action ??
    (await ask.select<'delete' | 'change'>('What should happen to the address in the other account?', [
      { name: 'Remove it (the holder keeps their name, without an email)', value: 'delete' },
      { name: 'Change it to another address', value: 'change' },
    ]));
  let { only, newEmail } = given;
  if (action === 'change') {
    const others = [...accounts.keys()].filter((id) => id !== keep);
    if (only === undefined && others.length > 1) only = await ask.select('Which account gets the new address?', others.map((id) => ({ name: label(id), value: id })));
    newEmail ??= await ask.input('New address for that holder:', (value) => {
      const problem = emailProblem(value);
      return problem === null ? true : `Not a valid address: ${problem}.`;
    });
  }
  return { email, keep, action, only, newEmail };
}
