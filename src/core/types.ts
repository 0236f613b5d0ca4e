/** A holder's place in an account. */
export type Role = 'primary' | 'secondary';

/** An account holder as the rules see it. */
export interface Holder {
  accountId: string;
  accountName: string;
  role: Role;
  firstName: string;
  lastName: string;
  /** The address as entered, or null when the holder has none. */
  email: string | null;
  /** The normalized key of `email`. */
  emailKey: string | null;
  /** Login access granted by the primary (meaningful for secondary holders only). */
  loginAccess: boolean;
}

/** The company settings that links and emails use. */
export interface Company {
  name: string;
  signInUrl: string | null;
  resetUrl: string | null;
  embedHtml: string | null;
  sender: string | null;
  /** The IANA time zone customer emails write times in; null: the machine's zone. */
  timeZone?: string | null;
}

/** A holder's full name, or a placeholder when both parts are empty. */
export function holderName(holder: Pick<Holder, 'firstName' | 'lastName'>): string {
  const name = `${holder.firstName} ${holder.lastName}`.trim();
  return name === '' ? '(no name)' : name;
}
