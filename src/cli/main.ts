import { systemClock } from '../core/clock.js';
import { ExitCode } from '../core/errors.js';
import { runInterruptHandler } from '../ui/interrupt.js';
import { processIO } from '../ui/io.js';
import { runCli } from './run-cli.js';

// Ctrl-C outside a prompt (prompts handle it themselves). A step that left something worth
// knowing (a reset link whose email is being sent) takes over: it aborts its work and ends the
// command through the normal path (recording what happened, exit 130). Otherwise any open
// transaction is simply never committed, so nothing was changed.
process.on('SIGINT', () => {
  if (runInterruptHandler()) return;
  const message = 'Interrupted; nothing was changed by the unfinished step.';
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { exitCode: ExitCode.interrupted, message } }, null, 2)}\n`);
  process.stderr.write(`\n✖ ${message}\n`);
  process.exit(ExitCode.interrupted);
});

// The bundle's entry: run with the real streams and clock, exit with the contract's code.
// (No top-level await: the bundle is a CommonJS script, see scripts/build.mjs.)
void runCli(process.argv.slice(2), { io: processIO(), clock: systemClock }).then((code) => {
  process.exitCode = code;
});
