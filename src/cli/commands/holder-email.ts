import { Command, Option } from '@commander-js/extra-typings';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';

// Declarations and thin handlers only: this file is loaded for --help, the flow when a command runs.

/** `holder set-email`'s arguments and flags; the handler's types are inferred from them. */
export function holderSetEmailCommand() {
  return new Command('set-email')
    .description("correct a holder's stored address (a typo, an old address): one transaction, audited; links sent to the old address stop working")
    .argument('<current-email>', 'the address as it is stored now')
    .argument('<new-email>', 'the corrected address')
    .option('--account <accountId>', 'the account to change it in (needed when the address is in more than one account)')
    .addOption(new Option('--role <role>', 'change only this holder, when two holders of the account share the address').choices(['primary', 'secondary'] as const));
}

/** `holder add-email`'s arguments: gives an address to a primary holder who has none. */
export function holderAddEmailCommand() {
  return new Command('add-email')
    .description('give an address to the primary holder of an account who has none (so reset emails can reach them): audited')
    .argument('<accountId>', 'the account whose primary holder has no address')
    .argument('<new-email>', "the primary holder's address");
}

/** Flags of `holder set-email`, as commander parses them. */
export type SetEmailOptions = ReturnType<ReturnType<typeof holderSetEmailCommand>['opts']>;

/** `holder set-email <current> <new> [--account <id>] [--role <role>]`. */
export async function runHolderSetEmail(ctx: Context, current: string, newEmail: string, options: SetEmailOptions): Promise<CommandResult> {
  const { changeEmail } = await import('../email-change-flow.js');
  return changeEmail(ctx, { current, newEmail, account: options.account, role: options.role });
}

/** `holder add-email <accountId> <new>`. */
export async function runHolderAddEmail(ctx: Context, account: string, newEmail: string): Promise<CommandResult> {
  const { changeEmail } = await import('../email-change-flow.js');
  return changeEmail(ctx, { current: null, newEmail, account });
}
