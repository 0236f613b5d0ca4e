import { execFileSync } from 'node:child_process';
import { NO_DNS_ENV } from './cli.js';

/** A real terminal: a detached tmux session running one command, read through capture-pane. */
export class TmuxSession {
  private constructor(readonly name: string) {}

  /** Starts `command` (a shell line) in a new session, 120×50 unless `size` says otherwise; the pane stays after it exits. */
  static start(command: string, env: Record<string, string> = {}, size: { columns: number; rows: number } = { columns: 120, rows: 50 }): TmuxSession {
    const name = `enrollsy-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const exports = Object.entries({ ...NO_DNS_ENV, ...env }).map(([key, value]) => `export ${key}='${value}';`).join(' ');
    execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', String(size.columns), '-y', String(size.rows), `${exports} ${command}; echo "EXIT=$?"; sleep 60`]);
    return new TmuxSession(name);
  }

  /** The whole scroll-back of the pane as plain text. */
  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-J', '-S', '-2000', '-t', this.name], { encoding: 'utf8' });
  }

  /** Sends keys (tmux key names such as Enter, Down, C-c, or literal text). */
  send(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  /** Waits until the screen matches, or fails with what the screen showed. */
  async waitFor(pattern: RegExp | string, timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(pattern)}; the screen shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Ends the session. */
  kill(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
