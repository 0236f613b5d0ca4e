// Gmail's own rules, on its two domains only (on Workspace domains dots matter).
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/**
 * The inbox Gmail delivers a normalized address to: dots and a `+tag` in the local part do not
 * count, and googlemail.com is gmail.com. Null for every other domain.
 */
export function gmailInbox(emailKey: string): string | null {
  const at = emailKey.lastIndexOf('@');
  if (at <= 0 || !GMAIL_DOMAINS.has(emailKey.slice(at + 1))) return null;
  const local = emailKey.slice(0, at);
  const plus = local.indexOf('+');
  const base = (plus < 0 ? local : local.slice(0, plus)).replaceAll('.', '');
  return base === '' ? null : `${base}@gmail.com`;
}

/** Groups distinct keys by the Gmail inbox they reach; only inboxes reached by two or more keys. */
export function gmailLookAlikes(keys: Iterable<string>): Map<string, string[]> {
  const byInbox = new Map<string, string[]>();
  for (const key of keys) {
    const inbox = gmailInbox(key);
    if (inbox === null) continue;
    const group = byInbox.get(inbox);
    if (group === undefined) byInbox.set(inbox, [key]);
    else if (!group.includes(key)) group.push(key);
  }
  for (const [inbox, group] of byInbox) if (group.length < 2) byInbox.delete(inbox);
  return byInbox;
}
