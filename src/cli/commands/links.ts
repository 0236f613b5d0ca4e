import { embedSnippet } from '../../core/embed-snippet.js';
import type { CommandResult } from '../command-result.js';
import type { Context } from '../context.js';

/** `links`: the company's sign-in and reset links and the website embed, ready to copy. */
export async function runLinks(ctx: Context): Promise<CommandResult> {
  const store = await ctx.openStore();
  try {
    const company = await store.company();
    const embed = embedSnippet(company);
    const unset = (flag: string) => ctx.out.yellow(`(not set: enrollsy-help company set ${flag} <url>)`);
    const text = [
      `${ctx.out.bold('Account Sign-In link')} (send it by email or text; customers sign in here)`,
      `  ${company.signInUrl ?? unset('--sign-in-url')}`,
      `${ctx.out.bold('Account Password Reset link')} (sends a reset email to the primary holder)`,
      `  ${company.resetUrl ?? unset('--reset-url')}`,
      `${ctx.out.bold('Website "Customer Sign-In" embed')} (paste into your website)`,
      `  ${embed ?? unset('--sign-in-url')}`,
    ].join('\n');
    const missing = !company.signInUrl || !company.resetUrl;
    return { exitCode: missing ? 1 : 0, json: { signIn: company.signInUrl, passwordReset: company.resetUrl, embed }, text };
  } finally {
    await store.close();
  }
}
