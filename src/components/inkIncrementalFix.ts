/**
 * A fix for Ink 6.8.0's incremental renderer, applied before the first render.
 *
 * Ink appends a newline to every frame shorter than the terminal, which leaves
 * the cursor on the line below the frame. When the next frame is at least as
 * tall, the incremental renderer moves the cursor up by (lines - 1), one line
 * short, so every update is drawn one row lower than the last: the top line is
 * left stale and the frame creeps down the screen. We keep frames one line
 * shorter than the terminal (a full-height frame makes Ink clear and repaint
 * everything), so evfix always hits this path. The wrapper moves the cursor up
 * the missing line before Ink's own update, only in exactly that case.
 */
type LogUpdate = ((str: string) => boolean) & {
  clear: () => void;
  done: () => void;
  sync: (str: string) => void;
  [key: string]: unknown;
};
type LogUpdateModule = { default: { create: (stream: NodeJS.WriteStream, options?: { incremental?: boolean }) => LogUpdate } };

const CURSOR_UP_ONE = '\x1b[1A';
const visibleLines = (s: string) => s.split('\n').length - (s.endsWith('\n') ? 1 : 0);

let applied = false;

export function wrapIncremental(inner: LogUpdate, stream: { write: (s: string) => unknown }): LogUpdate {
  let previous = '';
  const render = ((str: string) => {
    const takesShortPath = previous !== '' && previous.endsWith('\n') && str !== previous && str !== '\n' && visibleLines(str) >= visibleLines(previous);
    if (takesShortPath) stream.write(CURSOR_UP_ONE);
    const wrote = inner(str);
    previous = str;
    return wrote;
  }) as LogUpdate;
  for (const key of Object.keys(inner)) render[key] = inner[key];
  render.clear = () => {
    previous = '';
    inner.clear();
  };
  render.done = () => {
    previous = '';
    inner.done();
  };
  render.sync = (str: string) => {
    previous = str;
    inner.sync(str);
  };
  return render;
}

export async function fixInkIncrementalRendering(): Promise<void> {
  if (applied) return;
  applied = true;
  // In the release bundle, Ink's log-update registers itself under this symbol (scripts/bundle.mjs).
  // Unbundled, Ink's package exports hide it; the module instance Ink uses is the one at this file URL.
  const bundled = (globalThis as Record<symbol, LogUpdateModule['default'] | undefined>)[Symbol.for('evfix.ink.logUpdate')];
  const logUpdate = bundled ?? ((await import(new URL('./log-update.js', import.meta.resolve('ink')).href)) as LogUpdateModule).default;
  const create = logUpdate.create;
  logUpdate.create = (stream, options = {}) => {
    const inner = create(stream, options);
    return options.incremental ? wrapIncremental(inner, stream) : inner;
  };
}
