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
    case 'skip':
      return color.dim('-');
  }
}

/** One line per check with its mark; the detail under it, and the fix under each problem. */
export function renderChecks(color: ChalkInstance, checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${statusMark(color, check.status)} ${color.bold(check.title)}`);
    if (check.detail) lines.push(`    ${check.detail}`);
    if (check.fix && check.status !== 'pass') lines.push(`    ${color.cyan('→')} ${check.fix}`);
  }
  return lines.join('\n');
}

/** The closing line of a check list, as `flutter doctor` ends: how many passed, warned, failed, were skipped. */
export function renderCounts(color: ChalkInstance, checks: readonly Check[]): string {
  const n = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const info = n('info');
  const parts = [
    color.green(`${n('pass')} passed`),
    n('warn') > 0 ? color.yellow(`${n('warn')} warned`) : `${n('warn')} warned`,
    n('fail') > 0 ? color.red(`${n('fail')} failed`) : `${n('fail')} failed`,
    `${n('skip')} skipped`,
  ];
  return `Checks: ${parts.join(', ')}${info > 0 ? ` (and ${info} for information)` : ''}.`;
}
