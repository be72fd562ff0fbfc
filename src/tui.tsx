/**
 * Starting and stopping the TUI with the terminal left as it was found: the
 * alternate screen entered and always left, the cursor shown again, raw mode
 * off, whether evfix quits, fails, or is killed by SIGHUP/SIGTERM.
 */
import { render } from 'ink';
import { loadConfig } from './data/config.js';
import { ensureDemoWarehouse } from './data/demo/seed.js';
import { describeError } from './data/errors.js';
import { defaultOperator, type Context } from './data/operations/context.js';
import { openWarehouse } from './data/openWarehouse.js';
import { nowMicros } from './data/timestamp.js';
import { App } from './App.js';
import { fixInkIncrementalRendering } from './components/inkIncrementalFix.js';
import type { TuiOptions } from './cli/main.js';

// The alternate screen keeps the cursor where the main screen left it; Ink's frame must start at the top-left.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

export async function runTui(options: TuiOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(
      'evfix: the interactive screens need a terminal (stdin and stdout must be a TTY).\n' +
        "For scripts and pipes use the subcommands, e.g. 'evfix duplicates STAGE' or 'evfix update ...'; see 'evfix --help'.\n",
    );
    return 2;
  }
  let ctx: Context;
  try {
    const config = loadConfig({ configFile: options.configFile });
    if (options.readOnly) config.read_only = true;
    if (config.source === 'demo') process.stderr.write('evfix: no evfix.config.json found; using the demo warehouse.\n');
    const seeded = await ensureDemoWarehouse(config);
    if (seeded) process.stderr.write(`evfix: created the demo warehouse at ${seeded.path} (${seeded.events} events).\n`);
    ctx = { config, warehouse: openWarehouse(config), now: nowMicros, operator: defaultOperator(config) };
  } catch (error) {
    process.stderr.write(`evfix: ${describeError(error)}\n`);
    return 1;
  }

  await fixInkIncrementalRendering();
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };
  process.stdout.write(ENTER_ALT_SCREEN);
  const instance = render(<App ctx={ctx} />, { exitOnCtrlC: true, incrementalRendering: true, maxFps: 30, patchConsole: false });
  const onSignal = (signal: NodeJS.Signals) => {
    instance.unmount();
    restore();
    process.exit(signal === 'SIGHUP' ? 129 : 143);
  };
  process.once('SIGHUP', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', restore);
  try {
    await instance.waitUntilExit();
    return 0;
  } finally {
    instance.unmount();
    restore();
  }
}
