import type { ChalkInstance } from 'chalk';
import type { Check, CheckStatus } from '../../core/diagnose.js';

/** The doctor-style mark of a check status. */
export function statusMark(color: ChalkInstance, status: CheckStatus): string {
  switch (status) {
    case 'pass':
      return color.green('✔');
    case 'warn':
      return color.yellow('!');
    case 'fail':
      return color.red('✖');
    case 'info':
      return color.cyan('i');
  }
}

/** One line per check with its mark; the detail under it, and the fix under each problem. */
export function renderChecks(color: ChalkInstance, checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${statusMark(color, check.status)} ${color.bold(check.title)}`);
    if (check.detail) lines.push(`    ${check.detail}`);
    if (check.fix && (check.status === 'fail' || check.status === 'warn' || check.status === 'info')) lines.push(`    ${color.cyan('→')} ${check.fix}`);
  }
  return lines.join('\n');
}
