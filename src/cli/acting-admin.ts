import { userInfo } from 'node:os';
import { UNPRINTABLE } from '../core/email.js';

/** Longest admin name kept in the audit log (a pasted paragraph is not a name). */
const MAX_ADMIN_CHARS = 100;

/** The operating-system user name, or null when the system has none for this user (a container uid without a passwd entry). */
export function osUserName(env: NodeJS.ProcessEnv): string | null {
  try {
    const name = userInfo().username;
    if (name.trim() !== '') return name;
  } catch {
    // os.userInfo throws when the uid has no passwd entry; the shell's variables may still name the user.
  }
  for (const variable of ['USER', 'LOGNAME', 'USERNAME'] as const) {
    const value = env[variable]?.trim() ?? '';
    if (value !== '') return value;
  }
  return null;
}

/**
 * Who is acting, for the audit log: env ENROLLSY_ADMIN, else the operating-system user, else
 * "unknown". Control and invisible characters are dropped: the name is printed by `audit`.
 */
export function actingAdmin(env: NodeJS.ProcessEnv, osUser: (env: NodeJS.ProcessEnv) => string | null = osUserName): string {
  const clean = (value: string) => value.replace(new RegExp(UNPRINTABLE.source, 'gu'), '').replace(/\s+/g, ' ').trim().slice(0, MAX_ADMIN_CHARS);
  const fromEnv = clean(env.ENROLLSY_ADMIN ?? '');
  if (fromEnv !== '') return fromEnv;
  const fromOs = clean(osUser(env) ?? '');
  return fromOs !== '' ? fromOs : 'unknown';
}
