import { TmuxSession } from './tmux.js';

// Generous: the terminal tests run while other suites load the machine.
const WAIT_MS = 30000;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Drives an interactive flow in a real terminal (tmux) the way an admin does: waits for the
 * question, picks an option by its label with the arrow keys, types, or answers y/n, and counts
 * the answers given. It reads inquirer's screen: the pending question is the line starting
 * with "? ", and an answered one turns into "✔ question answer".
 */
export class WalkDriver {
  answers = 0;
  readonly given: string[] = [];
  constructor(readonly session: TmuxSession) {}

  /** Starts `command` at 80 columns, the width where words used to break. */
  static start(command: string, env: Record<string, string>): WalkDriver {
    return new WalkDriver(TmuxSession.start(command, env, { columns: 80, rows: 50 }));
  }

  /** The screen as plain lines (wrapped lines joined). */
  screen(): string {
    return this.session.screen();
  }

  /** The screen with its line breaks and runs of spaces taken out, to assert on sentences. */
  flat(): string {
    return this.screen().replace(/\s+/g, ' ');
  }

  private async pending(question: string): Promise<{ screen: string; lines: string[]; at: number }> {
    const pattern = new RegExp(`^\\? .*${escape(question)}`, 'm');
    const screen = await this.session.waitFor(pattern, WAIT_MS);
    const lines = screen.split('\n');
    let at = -1;
    lines.forEach((line, i) => {
      if (pattern.test(line)) at = i;
    });
    return { screen, lines, at };
  }

  private answered(question: string): number {
    return this.screen()
      .split('\n')
      .filter((line) => line.startsWith('✔ ') && line.includes(question)).length;
  }

  private async send(question: string, before: number, keys: string[], label: string): Promise<void> {
    this.session.send(...keys);
    this.answers += 1;
    this.given.push(`${question} → ${label}`);
    const deadline = Date.now() + WAIT_MS;
    while (this.answered(question) <= before) {
      if (Date.now() > deadline) throw new Error(`The answer "${label}" to "${question}" did not register; the screen shows:\n${this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until `question` is asked (what came before it is then done and written). */
  async waitForQuestion(question: string): Promise<string> {
    return (await this.pending(question)).screen;
  }

  /** Picks the option whose label contains `option`. */
  async choose(question: string, option: string): Promise<void> {
    const { lines, at } = await this.pending(question);
    const before = this.answered(question);
    const options: string[] = [];
    for (const line of lines.slice(at + 1)) {
      if (line.trim() === '' || !/^(❯ | {2})/.test(line)) break;
      options.push(line);
    }
    const target = options.findIndex((line) => line.includes(option));
    const cursor = options.findIndex((line) => line.startsWith('❯'));
    if (target < 0) throw new Error(`No option "${option}" for "${question}"; the options are:\n${options.join('\n')}`);
    const moves = target - cursor;
    await this.send(question, before, [...Array(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'), 'Enter'], option);
  }

  /** Answers a yes/no question. */
  async confirm(question: string, yes: boolean): Promise<void> {
    await this.pending(question);
    await this.send(question, this.answered(question), [yes ? 'y' : 'n', 'Enter'], yes ? 'yes' : 'no');
  }

  /** Types an answer and presses Enter. */
  async type(question: string, text: string): Promise<void> {
    await this.pending(question);
    const before = this.answered(question);
    this.session.send('-l', text);
    await this.send(question, before, ['Enter'], text);
  }

  /** Waits for the program to end; resolves to its exit code. */
  async exit(): Promise<number> {
    const screen = await this.session.waitFor(/EXIT=\d+/, WAIT_MS);
    return Number(/EXIT=(\d+)/.exec(screen)![1]);
  }

  kill(): void {
    this.session.kill();
  }
}
