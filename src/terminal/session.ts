/**
 * The terminal session around the TUI: the alternate screen, raw mode, a
 * stdout that can be muted while another program has the terminal, the
 * writes in flight, and restoring everything however evfix ends.
 */
export const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J';
export const LEAVE_ALT_SCREEN = '\x1b[?1049l';
export const SHOW_CURSOR = '\x1b[?25h';

type Listener = () => void;

export class TerminalSession {
  private muted = false;
  private suspended = false;
  private listeners = new Set<Listener>();
  private writes = new Set<Promise<unknown>>();
  private restored = false;
  readonly stdout: NodeJS.WriteStream;

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    // Ink gets a stdout whose writes can be dropped while $EDITOR owns the terminal.
    this.stdout = new Proxy(output, {
      get: (target, prop) => {
        if (prop === 'write') return (...args: Parameters<NodeJS.WriteStream['write']>) => (this.muted ? true : target.write(...args));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  enter() {
    this.output.write(ENTER_ALT_SCREEN);
  }

  /** Raw mode off, cursor shown, main screen back. Safe to call more than once. */
  restore() {
    if (this.restored) return;
    this.restored = true;
    try {
      if (this.input.isTTY) this.input.setRawMode(false);
      this.output.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
    } catch {
      // The terminal is gone (SSH link dropped): there is nothing left to restore.
    }
  }

  // Suspension: the App renders nothing while another program has the terminal.
  isSuspended = () => this.suspended;
  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  private setSuspended(value: boolean) {
    this.suspended = value;
    for (const l of this.listeners) l();
  }

  /** Hands the terminal to `run` (an editor) and takes it back cleanly. */
  async handOver<T>(run: () => T): Promise<T> {
    this.muted = true;
    this.setSuspended(true);
    await new Promise((r) => setTimeout(r, 60)); // let Ink flush its (muted) empty frame
    if (this.input.isTTY) this.input.setRawMode(false);
    this.output.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
    try {
      return run();
    } finally {
      this.output.write(ENTER_ALT_SCREEN);
      if (this.input.isTTY) this.input.setRawMode(true);
      this.muted = false;
      this.setSuspended(false);
    }
  }

  /** Tracks a write so that quitting waits for it to commit or roll back. */
  track = <T>(work: Promise<T>): Promise<T> => {
    this.writes.add(work);
    const done = () => void this.writes.delete(work);
    work.then(done, done);
    return work;
  };

  writesInFlight = () => this.writes.size;

  async settle(): Promise<void> {
    await Promise.allSettled([...this.writes]);
  }
}
