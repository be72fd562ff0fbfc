/** bin/evfix in a real pseudo-terminal, its screen read through a headless xterm: what an operator sees. */
import pty from '@lydell/node-pty';
import { join } from 'node:path';
import { Screen } from './screen.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type PtyOptions = { env?: Record<string, string>; columns?: number; rows?: number; command?: string; args?: string[] };

export class EvfixTerminal {
  readonly screen: Screen;
  readonly proc: pty.IPty;
  raw = '';
  exited: Promise<{ exitCode: number; signal?: number }>;

  constructor(options: PtyOptions = {}) {
    const columns = options.columns ?? 80,
      rows = options.rows ?? 24;
    this.screen = new Screen(columns, rows, false);
    const bin = join(process.cwd(), 'bin', 'evfix');
    this.proc = pty.spawn(options.command ?? process.execPath, options.args ?? [bin], {
      name: 'xterm-256color',
      cols: columns,
      rows,
      cwd: process.cwd(),
      // CI=true as in a CI job: the TUI must still draw interactively on a real terminal.
      env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color', CI: 'true', ...options.env },
    });
    this.proc.onData((data) => {
      this.raw += data;
      void this.screen.write(data);
    });
    this.exited = new Promise((resolve) => this.proc.onExit(resolve));
  }

  text(): string {
    return this.screen.text();
  }

  async waitFor(text: string | RegExp, timeout = 20_000): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      await this.screen.write('');
      const t = this.text();
      if (typeof text === 'string' ? t.includes(text) : text.test(t)) {
        await tick(80); // let the new screen subscribe to keys before the next one is typed
        return t;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; the screen is:\n${t}`);
      await tick(40);
    }
  }

  async press(...keys: string[]) {
    for (const k of keys) {
      this.proc.write(k);
      await tick(80);
    }
  }

  resize(columns: number, rows: number) {
    this.proc.resize(columns, rows);
    this.screen.term.resize(columns, rows);
  }
}

/** The terminal is as the shell left it: main screen, cursor shown, and (from `stty -a` run after evfix) cooked mode. */
export async function expectRestored(
  t: EvfixTerminal,
  expect: (v: unknown) => { toBe: (x: unknown) => void; toBeGreaterThan: (x: number) => void; toMatch: (r: RegExp) => void },
) {
  expect(t.screen.term.buffer.active.type).toBe('normal');
  expect(t.raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(t.raw.lastIndexOf('\x1b[?25l'));
  await t.waitFor(/\bicanon\b/);
  expect(t.text()).toMatch(/(^|\s)icanon\b/m);
  expect(t.text()).toMatch(/(^|\s)echo\b/m);
}
