import { formatDuration } from '../core/format-time.js';
import type { MailProvider } from '../core/mail-provider.js';
import type { Company } from '../core/types.js';
import { APPLE_RELAY_CUSTOMER_NOTE, mailboxSteps, quarantineSteps, safeSenderPlan } from './safe-sender-steps.js';

/** A rendered message: the same content as plain text and as HTML. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** The customer-facing instruction templates an admin can send. */
export type CustomerTemplate = 'sign-in' | 'reset' | 'not-received' | 'grant-access';

/** Every CustomerTemplate, in the order a login problem usually goes through them. */
export const CUSTOMER_TEMPLATES: readonly CustomerTemplate[] = ['sign-in', 'reset', 'not-received', 'grant-access'];

/** How long a reset link works, per the vendor (R3); shown to customers, not enforced here. */
const RESET_LINK_HOURS = 2;

// ---------------------------------------------------------------------------------------
// A tiny document model, so the text and HTML versions cannot drift apart and every
// interpolated value passes through one escaping point.

type Inline = string | { link: string; label?: string } | { strong: string };
type ListItem = Inline[] | { parts: Inline[]; children: Inline[][] };
type Block = { p: Inline[] } | { ol: ListItem[] } | { ul: ListItem[] };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function inlineText(parts: Inline[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if ('strong' in part) return part.strong;
      return part.label === undefined ? part.link : `${part.label}: ${part.link}`;
    })
    .join('');
}

function inlineHtml(parts: Inline[]): string {
  return parts
    .map((part) => {
      // A line break inside a paragraph (the signature) stays a line break in HTML.
      if (typeof part === 'string') return escapeHtml(part).replace(/\n/g, '<br>\n');
      if ('strong' in part) return `<strong>${escapeHtml(part.strong)}</strong>`;
      // Only web links become clickable; anything else (a placeholder, a javascript: URL) stays text.
      const anchor = /^https?:\/\//i.test(part.link) ? `<a href="${escapeHtml(part.link)}">${escapeHtml(part.link)}</a>` : escapeHtml(part.link);
      return part.label === undefined ? anchor : `${escapeHtml(part.label)}: ${anchor}`;
    })
    .join('');
}

function itemParts(item: ListItem): { parts: Inline[]; children: Inline[][] } {
  return Array.isArray(item) ? { parts: item, children: [] } : item;
}

function renderText(blocks: Block[]): string {
  const out = blocks.map((block) => {
    if ('p' in block) return inlineText(block.p);
    const ordered = 'ol' in block;
    const items = ordered ? block.ol : block.ul;
    return items
      .map((item, index) => {
        const { parts, children } = itemParts(item);
        const marker = ordered ? `${index + 1}. ` : '- ';
        const indent = ' '.repeat(marker.length);
        return [marker + inlineText(parts), ...children.map((child) => `${indent}- ${inlineText(child)}`)].join('\n');
      })
      .join('\n');
  });
  return `${out.join('\n\n')}\n`;
}

function renderHtml(blocks: Block[]): string {
  const body = blocks.map((block) => {
    if ('p' in block) return `<p>${inlineHtml(block.p)}</p>`;
    const tag = 'ol' in block ? 'ol' : 'ul';
    const items = 'ol' in block ? block.ol : block.ul;
    const lis = items.map((item) => {
      const { parts, children } = itemParts(item);
      const sub = children.length === 0 ? '' : `<ul>${children.map((child) => `<li>${inlineHtml(child)}</li>`).join('')}</ul>`;
      return `<li>${inlineHtml(parts)}${sub}</li>`;
    });
    return `<${tag}>${lis.join('')}</${tag}>`;
  });
  return `<!DOCTYPE html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n${body.join('\n')}\n</body></html>\n`;
}

function render(subject: string, blocks: Block[]): RenderedMessage {
  return { subject: oneLine(subject), text: renderText(blocks), html: renderHtml(blocks) };
}

// ---------------------------------------------------------------------------------------
// Shared wording

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

/** The company's name as customers know it, never empty. */
function companyName(company: Company): string {
  return oneLine(company.name) || 'our team';
}

function greeting(recipientName: string | null): Inline[] {
  // holderName() writes "(no name)" for a nameless holder; a customer should never read that.
  const raw = oneLine(recipientName ?? '');
  const name = raw === '(no name)' ? '' : raw;
  return [name === '' ? 'Hello,' : `Hello ${name},`];
}

/** A configured link, or a placeholder the admin sees and fills in before sending. */
function linkOrPlaceholder(url: string | null, what: string, company: Company): Inline {
  const trimmed = url?.trim() ?? '';
  return { link: trimmed !== '' ? trimmed : `[${what} link: ask ${companyName(company)} for it]` };
}

/** The bare address of `"Name" <addr>`, so instructions name what customers type into a filter. */
function bareAddress(sender: string | undefined): string {
  const raw = sender?.trim() ?? '';
  const angle = /<([^<>]*)>\s*$/.exec(raw);
  const address = (angle ? angle[1] ?? '' : raw).trim();
  return address === '' ? '[the address our emails come from]' : address;
}

/** R5: questions go to the company, never to the vendor. */
function stillStuck(company: Company): Block {
  return { p: [`Still stuck? Get in touch with ${companyName(company)} the way you usually do, and we will help you.`] };
}

function signature(company: Company): Block {
  return { p: [`Thank you,\n${companyName(company)}`] };
}

/** "14:05 UTC on 27 Nov 2026" in the given zone (the machine's zone when omitted). */
function formatExpiry(date: Date, timeZone: string | undefined): string {
  const zoneOption = timeZone === undefined ? {} : { timeZone };
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...zoneOption }).format(date);
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short', ...zoneOption }).formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', ...zoneOption }).format(date);
  return `${time}${zone === '' ? '' : ` ${zone}`} on ${day}`;
}

// ---------------------------------------------------------------------------------------
// The password-reset email

/**
 * The password-reset email to a customer. `sender` (the From address) is named in the
 * "if it does not arrive" advice when given; `timeZone` (IANA name) is the zone the expiry
 * time is written in, the machine's zone when omitted. Pure: no I/O.
 */
export function resetEmail(input: {
  company: Company;
  recipientName: string;
  link: string;
  expiresAt: Date;
  now: Date;
  sender?: string;
  timeZone?: string;
  /** The holder who asked, when it is not the recipient (a secondary without login access): the email says why it came. */
  requestedBy?: string;
}): RenderedMessage {
  const name = companyName(input.company);
  // Rounded to the minute so a link issued a few milliseconds ago still reads "2 hours".
  const remaining = Math.round((input.expiresAt.getTime() - input.now.getTime()) / 60000) * 60000;
  const from = input.sender === undefined ? 'the address this email came from' : bareAddress(input.sender);
  const requester = oneLine(input.requestedBy ?? '');
  const onBehalf = requester !== '' && requester !== '(no name)';
  const why: Block[] =
    !onBehalf
      ? [{ p: [`We received a request to reset the password for your ${name} account. To choose a new password, open this link:`] }]
      : [
          {
            p: [
              `${requester}, a secondary holder on your ${name} account, asked us for help signing in. ${requester} has no login of their own, so the password to reset is yours, as the primary account holder. To choose a new password, open this link:`,
            ],
          },
        ];
  const ownLogin: Block[] =
    onBehalf
      ? [{ p: [`If ${requester} should sign in with a login of their own, you can give them login access in your account (their own email address is needed). Only give it to someone you trust: it gives full control of the account.`] }]
      : [];
  return render(`Reset your ${name} account password`, [
    { p: greeting(input.recipientName) },
    ...why,
    { p: [{ link: input.link }] },
    { p: [`This link works for ${formatDuration(remaining)}, until ${formatExpiry(input.expiresAt, input.timeZone)}. After that it expires and you will need a new one.`] },
    {
      p: [
        { strong: 'Only the newest reset link works.' },
        ' If you asked for a reset several times, use the link in the most recent email; the links in earlier emails no longer work.',
      ],
    },
    ...ownLogin,
    { p: ['If you did not ask for a new password, you can ignore this email; your password stays the same.'] },
    {
      p: [`If a future email from ${name} does not arrive, look in your spam or junk folder first, and add ${from} to your safe senders or contacts so our emails reach your inbox.`],
    },
    { p: [`Questions? Get in touch with ${name} the way you usually do (replies to this email may not be read).`] },
    signature(input.company),
  ]);
}

// ---------------------------------------------------------------------------------------
// Instructions an admin sends to a customer

/**
 * The customer-facing instructions an admin pastes into an email or text message (the
 * vendor's "customer log in instructions"); `sender` is the address reset emails come from,
 * named in the safe-sender steps. Unset links become visible placeholders. `mailProvider` (from
 * the recipient mail check) puts that provider's safe-sender steps first in `not-received`, and
 * only those unless `allProviders`. Pure: no I/O.
 */
export function customerMessage(
  template: CustomerTemplate,
  input: { company: Company; recipientName: string | null; sender: string; mailProvider?: MailProvider | null; allProviders?: boolean },
): RenderedMessage {
  switch (template) {
    case 'sign-in':
      return signInMessage(input.company, input.recipientName);
    case 'reset':
      return resetMessage(input.company, input.recipientName, bareAddress(input.sender));
    case 'not-received':
      return notReceivedMessage(input.company, input.recipientName, bareAddress(input.sender), input.mailProvider ?? null, input.allProviders === true);
    case 'grant-access':
      return grantAccessMessage(input.company, input.recipientName);
  }
}

function signInMessage(company: Company, recipientName: string | null): RenderedMessage {
  const name = companyName(company);
  const website: Block[] = company.embedHtml?.trim()
    ? [{ p: [`You can also use the Customer Sign-In link on the ${name} website.`] }]
    : [];
  return render(`How to sign in to your ${name} account`, [
    { p: greeting(recipientName) },
    { p: [`To sign in to your ${name} account, please use our Account Sign-In page:`] },
    { p: [linkOrPlaceholder(company.signInUrl, 'Account Sign-In', company)] },
    ...website,
    {
      p: [
        { strong: 'Other links are not the sign-in page.' },
        ' Enrollment (sign-up) links, the Admin link and the Instructor link will not let you into your account, and neither will the Enrollsy website.',
      ],
    },
    {
      p: [
        'On a phone or tablet you can also use the Enrollsy app from the Apple App Store or Google Play, with the same email address and password. You can be signed in on several devices at once.',
      ],
    },
    {
      p: [
        'No password yet, or forgotten it? Click the "Setup/Reset Password" button on the Account Sign-In page (older pages call it "Request Password"). A password reset email goes to the primary account holder\'s email address; its link works for 2 hours.',
      ],
    },
    stillStuck(company),
    signature(company),
  ]);
}

function resetMessage(company: Company, recipientName: string | null, sender: string): RenderedMessage {
  const name = companyName(company);
  return render(`How to reset your ${name} account password`, [
    { p: greeting(recipientName) },
    { p: ['You can reset your password in either of these two ways:'] },
    {
      ol: [
        ['Open the Account Sign-In page, ', linkOrPlaceholder(company.signInUrl, 'Account Sign-In', company), ', and click the "Setup/Reset Password" button.'],
        ['Or open the Account Password Reset link: ', linkOrPlaceholder(company.resetUrl, 'Account Password Reset', company)],
      ],
    },
    {
      p: [
        "Either way, a password reset email is sent to the primary account holder's email address. A secondary account holder receives it at their own address only if the primary account holder has given them login access.",
      ],
    },
    { p: [`The link in that email works for ${RESET_LINK_HOURS} hours. After that it expires and you need to request a new one.`] },
    {
      p: [
        { strong: 'Only the newest link works.' },
        ' Each new request cancels the links sent before it, so please request once and use the link in the most recent email.',
      ],
    },
    { p: [`If the email does not arrive within a few minutes, look in your spam or junk folder, and add ${sender} to your safe senders or contacts.`] },
    stillStuck(company),
    signature(company),
  ]);
}

function notReceivedMessage(company: Company, recipientName: string | null, sender: string, provider: MailProvider | null, allProviders: boolean): RenderedMessage {
  const name = companyName(company);
  const plan = safeSenderPlan(provider, allProviders);
  const steps: Inline[][] = [...plan.first, ...plan.others].map((service) => [mailboxSteps(service, sender)]);
  if (plan.othersOnRequest) {
    steps.push([plan.first.length > 0 ? 'Using another email service? Tell us which one and we will send you its steps.' : 'Tell us which email program you use and we will send you its steps.']);
  }
  const quarantine: ListItem[] = plan.quarantine === null ? [] : [[{ strong: 'Ask your IT team whether the email is being held.' }, ` ${quarantineSteps(plan.quarantine, sender)}`]];
  return render(`Did not get the password reset email from ${name}?`, [
    { p: greeting(recipientName) },
    { p: ['If the password reset email has not arrived, please go through these steps in order:'] },
    {
      ol: [
        [{ strong: 'Check your spam or junk folder first.' }, ` Look for an email from ${sender}.${plan.first.includes('gmail') ? ' In Gmail, also look at the Promotions and Updates tabs.' : ''}`],
        [
          { strong: 'Check that you are looking in the right inbox.' },
          ` The email goes to the address on your ${name} account: the primary account holder's address, or a secondary account holder's own address only if the primary account holder has given them login access. Not sure which address that is? Ask us and we will check it for you.`,
          ...(plan.appleRelay ? [` ${APPLE_RELAY_CUSTOMER_NOTE}`] : []),
        ],
        ...quarantine,
        {
          parts: [{ strong: `Add ${sender} to your safe senders,` }, ' so our emails reach your inbox:'],
          children: steps,
        },
        [
          { strong: 'Request a new reset email only once, then wait a few minutes.' },
          ' Each new request cancels the link sent before it, so asking several times in a row means only the very last email works.',
        ],
      ],
    },
    stillStuck(company),
    signature(company),
  ]);
}

function grantAccessMessage(company: Company, recipientName: string | null): RenderedMessage {
  const name = companyName(company);
  return render(`How to give someone else access to your ${name} account`, [
    { p: greeting(recipientName) },
    {
      p: [
        `As the primary account holder of your ${name} account, you can let a secondary account holder (for example a partner or co-parent) sign in to the account. Only you can give this access.`,
      ],
    },
    { p: ['How to do it:'] },
    {
      ol: [
        ['Sign in on the Account Sign-In page: ', linkOrPlaceholder(company.signInUrl, 'Account Sign-In', company)],
        [
          "In your account (the customer portal), open the secondary account holder's details, enter their own email address and turn on their login access. You can also give access on the enroll form when you enroll.",
        ],
      ],
    },
    { p: ['Good to know:'] },
    {
      ul: [
        [
          `The secondary account holder needs their own email address, different from yours. It must not be used in any other ${name} account either: the same email address cannot be in two accounts.`,
        ],
        [
          'They do not get a set-up email automatically. Once you have given access, they go to the Account Sign-In page and click "Setup/Reset Password" to set their own password.',
        ],
        [
          { strong: 'Login access gives full control of the account, payment methods included.' },
          ' Only give it to someone you trust.',
        ],
      ],
    },
    stillStuck(company),
    signature(company),
  ]);
}

// ---------------------------------------------------------------------------------------
// The set-up check's test message (`doctor --send-test`)

/** A short message that proves mail from the sender reaches an inbox. Pure: no I/O. */
export function testMessage(input: { company: Company; sender: string }): RenderedMessage {
  const name = companyName(input.company);
  return render(`Test message from enrollsy-help for ${name}`, [
    { p: [`This is a test message sent by an admin of ${name} with enrollsy-help.`] },
    { p: [`If it reached this inbox (not the spam folder), emails to customers from ${bareAddress(input.sender)} can reach it too.`] },
  ]);
}
