import { setTimeout as sleep } from 'node:timers/promises';
import type { PatienceOptions } from './engine.js';

/**
 * Runs `attempt` again while it fails with an error `busy` recognises (another writer holds what it
 * needs), for up to `patienceMs`, waiting between tries on the event loop (never in a blocking
 * busy-wait), so Ctrl-C is still heard and `signal` can stop the wait. Resolves to false when it
 * gave up (still busy, or aborted); any other error is thrown. Both engines' patient writes use it.
 */
export async function retryWhileBusy(attempt: () => Promise<void>, busy: (error: unknown) => boolean, options: PatienceOptions): Promise<boolean> {
  const started = Date.now();
  let waited = false;
  for (;;) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (!busy(error)) throw error;
    }
    if (!waited) options.onWait?.();
    waited = true;
    if (options.signal?.aborted || Date.now() - started >= options.patienceMs) return false;
    try {
      await sleep(200, undefined, { signal: options.signal });
    } catch {
      return false; // aborted while waiting
    }
  }
}
