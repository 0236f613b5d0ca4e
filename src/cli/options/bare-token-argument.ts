import { isBareToken } from '../../core/reset-token.js';

/**
 * `reset verify` with a bare token that starts with "-" (one in 64): commander would read it as
 * an unknown option. No option is 43 characters of base64url, so such an argument after
 * `reset verify` is moved to the end behind "--" (options such as --json stay options), unless
 * the command line has "--" already.
 */
export function bareTokenAsArgument(argv: readonly string[]): readonly string[] {
  const verify = argv.findIndex((arg, i) => arg === 'verify' && argv[i - 1] === 'reset');
  if (verify < 0) return argv;
  const at = argv.findIndex((arg, i) => i > verify && arg.startsWith('-') && isBareToken(arg));
  if (at < 0 || argv.includes('--')) return argv;
  return [...argv.slice(0, at), ...argv.slice(at + 1), '--', argv[at]!];
}
