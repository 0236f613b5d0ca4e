import { UsageError } from '../../core/errors.js';
import { emailProblem, shortForMessage } from '../../core/email.js';

/** Checks a link option is an absolute https URL without user info or fragment, naming the flag when it is not. */
export function checkUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`${flag} needs a full link such as https://app.enrollsy.com/..., got "${shortForMessage(value)}".`);
  }
  // Customers type a password behind this link: only https, and nothing a reader could be fooled
  // by (user@ before the host) or that the page's scripts alone would see (#fragment).
  if (url.protocol !== 'https:') throw new UsageError(`${flag} needs an https:// link (customers sign in there), got "${shortForMessage(value)}".`);
  if (url.username !== '' || url.password !== '') throw new UsageError(`${flag} must not hold a user name or password before the host, got "${shortForMessage(value)}".`);
  if (url.hash !== '' || value.includes('#')) throw new UsageError(`${flag} must not end in a #fragment; copy the link from "My Company" without it.`);
  return url.toString();
}

/** Checks an address option is well-formed, naming the flag when it is not. */
export function checkEmailOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = emailProblem(value);
  if (problem !== null) throw new UsageError(`${flag}: "${shortForMessage(value)}" is not a valid address (${problem}).`);
  return value.trim();
}
