import type { MailProvider } from '../core/mail-provider.js';

/** The mailbox services with safe-sender steps of their own. */
export type MailboxService = 'gmail' | 'outlook' | 'yahoo' | 'icloud';

/** Every service with steps, in the order they are listed when the provider is unknown. */
export const MAILBOX_SERVICES: readonly MailboxService[] = ['gmail', 'outlook', 'yahoo', 'icloud'];

/** A company mail filter that can hold mail in quarantine. */
export type QuarantineFilter = 'proofpoint' | 'mimecast' | 'microsoft-365';

/** Which advice fits a recipient's mail provider: its own steps first, the rest on request. */
export interface SafeSenderPlan {
  /** The steps for the recipient's own service (every service when it is not known). */
  first: MailboxService[];
  /** The remaining services' steps, listed only on request (`--all-providers`). */
  others: MailboxService[];
  /** True when `others` were left out: the text then offers them on request. */
  othersOnRequest: boolean;
  quarantine: QuarantineFilter | null;
  appleRelay: boolean;
}

const SERVICE_OF: Partial<Record<MailProvider['id'], MailboxService>> = { google: 'gmail', microsoft: 'outlook', yahoo: 'yahoo', apple: 'icloud' };

/** Chooses the safe-sender advice for a provider (null: unknown); `all` adds every other service's steps after its own. */
export function safeSenderPlan(provider: MailProvider | null, all: boolean): SafeSenderPlan {
  const own = provider ? SERVICE_OF[provider.id] : undefined;
  const quarantine: QuarantineFilter | null =
    provider?.id === 'proofpoint' ? 'proofpoint' : provider?.id === 'mimecast' ? 'mimecast' : provider?.id === 'microsoft' && provider.quarantines ? 'microsoft-365' : null;
  // A filter hides the mailbox behind it; an unknown provider could be any of them.
  const first = own !== undefined ? [own] : quarantine !== null ? [] : [...MAILBOX_SERVICES];
  const rest = MAILBOX_SERVICES.filter((service) => !first.includes(service));
  return { first, others: all ? rest : [], othersOnRequest: !all && rest.length > 0, quarantine, appleRelay: provider?.appleRelay === true };
}

/** One service's steps to get `sender`'s mail out of spam and into the inbox, as a customer reads them. */
export function mailboxSteps(service: MailboxService, sender: string): string {
  switch (service) {
    case 'gmail':
      return `Gmail: if our email is in Spam, open it and click "Report not spam". Then go to Settings (gear icon) > See all settings > Filters and Blocked Addresses > Create a new filter, type ${sender} in "From", click "Create filter", tick "Never send it to Spam" and click "Create filter" again.`;
    case 'outlook':
      return `Outlook and Outlook.com: go to Settings (gear icon) > Mail > Junk email, under "Safe senders and domains" click "Add", type ${sender} and click "Save". In the Outlook desktop app: Home > Junk > Junk E-mail Options > Safe Senders > Add.`;
    case 'yahoo':
      return `Yahoo Mail: if our email is in Spam, open it and click "Not Spam". Then go to Settings > More Settings > Filters > Add new filters, set "From" contains ${sender}, choose Inbox as the folder and click "Save". Adding ${sender} to your Yahoo contacts helps too.`;
    case 'icloud':
      return `iCloud Mail (iPhone, iPad, Mac or iCloud.com): if our email is in the Junk folder, open it and mark it "Not Junk" (or move it to your Inbox). Then add ${sender} to your Contacts, so our emails go to your inbox.`;
  }
}

/** What a customer behind a company mail filter can do about a held email. */
export function quarantineSteps(filter: QuarantineFilter, sender: string): string {
  switch (filter) {
    case 'proofpoint':
      return `Your organisation's email passes through Proofpoint, which can hold messages in quarantine without telling you. If you receive a Proofpoint digest email listing held messages, release our email from there. Otherwise ask your IT team to release it and to allow ${sender}.`;
    case 'mimecast':
      return `Your organisation's email passes through Mimecast, which can hold messages without telling you. If you receive a Mimecast digest email listing held messages, release our email from there. Otherwise ask your IT team to release it and to permit ${sender}.`;
    case 'microsoft-365':
      return `Your organisation uses Microsoft 365, whose filters can put messages in quarantine without telling you. If you received a quarantine notification from Microsoft, release our email from there. Otherwise ask your IT team to release it and to allow ${sender}.`;
  }
}

/** For a customer whose address on file is an Apple "Hide My Email" relay address. */
export const APPLE_RELAY_CUSTOMER_NOTE =
  'The address on your account ends in @privaterelay.appleid.com: it is an Apple "Hide My Email" address, created when you used "Sign in with Apple". Our emails are forwarded from it to the email address of your Apple ID, so look in that inbox.';
