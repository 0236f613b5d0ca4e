/** The mail services whose safe-sender steps and filters the advice knows. */
export type MailProviderId = 'google' | 'microsoft' | 'yahoo' | 'apple' | 'proofpoint' | 'mimecast' | 'other';

/** Who runs a domain's mail, as far as its MX hosts (or a well-known domain name) tell. */
export interface MailProvider {
  id: MailProviderId;
  /** The name an admin recognises: "Gmail", "Google Workspace", "Microsoft 365", … */
  name: string;
  /** A company mail filter or business tenant that can quarantine mail without telling anyone. */
  quarantines: boolean;
  /** An Apple "Hide My Email" relay address: the customer may not recognise it as theirs. */
  appleRelay: boolean;
}

/** Apple's "Hide My Email" relay domain (Sign in with Apple). */
export const APPLE_RELAY_DOMAIN = 'privaterelay.appleid.com';

// Consumer domains, so a lookup-free guess still picks the right steps (and Gmail is not "Workspace").
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);
const OUTLOOK_DOMAINS = new Set([
  'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com', 'hotmail.co.uk', 'hotmail.fr', 'hotmail.de', 'hotmail.it',
  'hotmail.es', 'live.co.uk', 'live.fr', 'live.ca', 'outlook.fr', 'outlook.de', 'outlook.es', 'windowslive.com',
]);
const YAHOO_DOMAINS = new Set(['yahoo.com', 'ymail.com', 'rocketmail.com', 'yahoo.co.uk', 'yahoo.ca', 'yahoo.fr', 'yahoo.de', 'yahoo.es', 'yahoo.it', 'yahoo.com.au']);
const APPLE_DOMAINS = new Set(['icloud.com', 'me.com', 'mac.com', APPLE_RELAY_DOMAIN]);

function endsWithDomain(host: string, suffix: string): boolean {
  return host === suffix || host.endsWith(`.${suffix}`);
}

// Filters first: they sit in front of another mailbox, and they are what holds mail back.
function providerOfHost(host: string): MailProviderId | null {
  if (endsWithDomain(host, 'pphosted.com') || endsWithDomain(host, 'ppe-hosted.com')) return 'proofpoint';
  if (/(^|\.)mimecast[a-z0-9-]*\.[a-z.]+$/.test(host)) return 'mimecast';
  if (endsWithDomain(host, 'google.com') || endsWithDomain(host, 'googlemail.com')) return 'google';
  if (endsWithDomain(host, 'outlook.com') || endsWithDomain(host, 'hotmail.com')) return 'microsoft';
  if (endsWithDomain(host, 'yahoodns.net') || endsWithDomain(host, 'yahoo.com')) return 'yahoo';
  if (endsWithDomain(host, 'icloud.com') || endsWithDomain(host, 'me.com')) return 'apple';
  return null;
}

function providerOfDomain(domain: string): MailProviderId | null {
  if (GMAIL_DOMAINS.has(domain)) return 'google';
  if (OUTLOOK_DOMAINS.has(domain)) return 'microsoft';
  if (YAHOO_DOMAINS.has(domain)) return 'yahoo';
  if (APPLE_DOMAINS.has(domain)) return 'apple';
  return null;
}

/**
 * Names the mail provider of `domain` from its MX hosts (most preferred first), or from the
 * domain itself when there are none (no lookup, or it failed). Null when neither tells.
 */
export function detectMailProvider(domain: string, mxHosts: readonly string[]): MailProvider | null {
  const hosts = mxHosts.map((host) => host.toLowerCase().replace(/\.$/, ''));
  const fromHosts = hosts.map(providerOfHost).find((id): id is MailProviderId => id !== null);
  const id = fromHosts ?? providerOfDomain(domain) ?? (hosts.length > 0 ? 'other' : null);
  if (id === null) return null;
  const appleRelay = domain === APPLE_RELAY_DOMAIN;
  switch (id) {
    case 'google':
      return { id, name: GMAIL_DOMAINS.has(domain) ? 'Gmail' : 'Google Workspace', quarantines: false, appleRelay };
    case 'microsoft': {
      // A tenant's MX is <tenant>.mail.protection.outlook.com; Outlook.com's is *.olc.protection.outlook.com.
      const business = !OUTLOOK_DOMAINS.has(domain) && (hosts.length === 0 || hosts.some((h) => endsWithDomain(h, 'mail.protection.outlook.com')));
      return { id, name: business ? 'Microsoft 365' : 'Outlook.com', quarantines: business, appleRelay };
    }
    case 'yahoo':
      return { id, name: 'Yahoo Mail', quarantines: false, appleRelay };
    case 'apple':
      return { id, name: 'Apple iCloud Mail', quarantines: false, appleRelay };
    case 'proofpoint':
      return { id, name: 'Proofpoint (a company mail filter)', quarantines: true, appleRelay };
    case 'mimecast':
      return { id, name: 'Mimecast (a company mail filter)', quarantines: true, appleRelay };
    case 'other':
      return { id, name: 'another mail service', quarantines: false, appleRelay };
  }
}
