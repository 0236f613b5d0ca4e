import { systemClock } from '../core/clock.js';
import { processIO } from '../ui/io.js';
import { runCli } from './run-cli.js';

// The bundle's entry: run with the real streams and clock, exit with the contract's code.
const code = await runCli(process.argv.slice(2), { io: processIO(), clock: systemClock });
process.exitCode = code;
