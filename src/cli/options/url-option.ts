import { UsageError } from '../../core/errors.js';
import { emailProblem, shortForMessage } from '../../core/email.js';

/** Checks a link option is an absolute http(s) URL, naming the flag when it is not. */
export function checkUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`${flag} needs a full link such as https://app.enrollsy.com/..., got "${shortForMessage(value)}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${flag} needs an http(s) link, got "${shortForMessage(value)}".`);
  return url.toString();
}

/** Checks an address option is well-formed, naming the flag when it is not. */
export function checkEmailOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = emailProblem(value);
  if (problem !== null) throw new UsageError(`${flag}: "${shortForMessage(value)}" is not a valid address (${problem}).`);
  return value.trim();
}
