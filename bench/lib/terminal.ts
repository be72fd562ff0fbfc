/**
 * A program in a real pseudo-terminal, timed the way an operator feels it:
 * from the byte of a key to the end of the frame it causes (Ink ends each
 * frame with the "end synchronized update" sequence), and the bytes between.
 */
import pty from '@lydell/node-pty';
import { readFileSync } from 'node:fs';

const FRAME_END = '\x1b[?2026l';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TimedTerminal {
  readonly proc: pty.IPty;
  output = '';
  private bytes = 0;
  private frames = 0;
  private listeners: (() => void)[] = [];

  /** Runs `node ...args`, or `options.command ...args`. */
  constructor(args: string[], options: { columns: number; rows: number; env: Record<string, string>; cwd: string; command?: string }) {
    this.proc = pty.spawn(options.command ?? process.execPath, args, {
      name: 'xterm-256color',
      cols: options.columns,
      rows: options.rows,
      cwd: options.cwd,
      env: { ...(process.env as Record<string, string>), TERM: 'xterm-256color', ...options.env },
    });
    this.proc.onData((data) => {
      this.output += data;
      if (this.output.length > 2_000_000) this.output = this.output.slice(-200_000);
      this.bytes += Buffer.byteLength(data);
      this.frames += data.split(FRAME_END).length - 1;
      for (const l of this.listeners.splice(0)) l();
    });
  }

  /** Resolves when the output so far contains `text`; the time it took is the caller's to take. */
  async waitFor(text: string | RegExp, timeout = 120_000): Promise<void> {
    const deadline = Date.now() + timeout;
    const seen = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    while (!seen()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}`);
      await new Promise<void>((resolve) => {
        this.listeners.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Sends `input` and measures until the next frame ends: milliseconds and bytes written for it. */
  async key(input: string, settle = 60): Promise<{ ms: number; bytes: number }> {
    await sleep(settle);
    const frames = this.frames,
      bytes = this.bytes;
    const t0 = performance.now();
    this.proc.write(input);
    const deadline = t0 + 2000;
    while (this.frames === frames && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.listeners.push(resolve);
        setTimeout(resolve, 5);
      });
    }
    const ms = performance.now() - t0;
    await sleep(40); // bytes of a frame may arrive in more than one read
    return { ms: this.frames === frames ? NaN : ms, bytes: this.bytes - bytes };
  }

  /** Peak resident set size of the process so far (VmHWM), in MB. */
  peakRssMb(): number {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  }

  kill() {
    this.proc.kill('SIGKILL');
  }
}
