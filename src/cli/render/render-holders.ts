import type { ChalkInstance } from 'chalk';
import { holderName, type Holder } from '../../core/types.js';

/** A compact table of holders: account, role, name, address, login access. */
export function renderHolders(color: ChalkInstance, holders: readonly Holder[], highlightKey?: string): string {
  const rows = holders.map((h) => [
    `${h.accountName} (${h.accountId})`,
    h.role,
    holderName(h),
    h.email ?? '(no email)',
    h.role === 'primary' ? 'owner' : h.loginAccess ? 'access granted' : 'no access',
  ]);
  const header = ['Account', 'Role', 'Name', 'Email', 'Login'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => [...row[i]!].length)));
  const pad = (cells: string[]) => cells.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd();
  const lines = [color.dim(pad(header))];
  holders.forEach((h, i) => {
    const line = pad(rows[i]!);
    lines.push(highlightKey !== undefined && h.emailKey === highlightKey ? color.bold(line) : line);
  });
  return lines.map((line) => `  ${line}`).join('\n');
}
