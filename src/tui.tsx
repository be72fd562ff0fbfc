/**
 * Starting and stopping the TUI with the terminal left as it was found: the
 * alternate screen entered and always left, the cursor shown again, raw mode
 * off, whether evfix quits, fails, or is killed by SIGHUP/SIGTERM; and a
 * write in flight is let finish (or roll back) first.
 */
import { render } from 'ink';
import { loadConfig } from './data/config.js';
import { ensureDemoWarehouse } from './data/demo/seed.js';
import { describeError } from './data/errors.js';
import { Journal } from './data/journal.js';
import { defaultOperator, type Context } from './data/operations/context.js';
import { openEngine } from './data/openWarehouse.js';
import { createService } from './data/service/service.js';
import { nowMicros } from './data/timestamp.js';
import { App } from './App.js';
import type { TuiOptions } from './cli/main.js';
import { fixInkIncrementalRendering } from './components/inkIncrementalFix.js';
import type { Services } from './screens/navigation.js';
import { runEditor } from './terminal/editor.js';
import { describeReconciled } from './data/operations/reconcile.js';
import { TerminalSession } from './terminal/session.js';

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
    ctx = { config, engine: await openEngine(config), now: nowMicros, operator: defaultOperator(config) };
  } catch (error) {
    process.stderr.write(`evfix: ${describeError(error)}\n`);
    return 1;
  }

  const service = createService(ctx, new Journal());
  const reconciled = await service.call('reconcile', {}).catch(() => []);
  for (const r of reconciled) process.stderr.write(`evfix: ${describeReconciled(r)}\n`);
  await fixInkIncrementalRendering();
  const session = new TerminalSession(process.stdin, process.stdout);
  const services: Services = {
    service,
    editText: (text, suffix) => session.handOver(() => runEditor(text, suffix)),
    trackWrite: session.track,
    writesInFlight: session.writesInFlight,
    settle: () => session.settle(),
    suspension: { isSuspended: session.isSuspended, subscribe: session.subscribe },
  };
  session.enter();
  const notice = reconciled.length ? reconciled.map(describeReconciled).join(' ') : undefined;
  const instance = render(<App services={services} startupNotice={notice} />, {
    stdout: session.stdout,
    exitOnCtrlC: false,
    incrementalRendering: true,
    maxFps: 30,
    patchConsole: false,
  });
  const onSignal = async (signal: NodeJS.Signals) => {
    // The SSH link dropped or we were told to stop: let a write commit or roll back, then leave cleanly.
    await session.settle();
    instance.unmount();
    session.restore();
    process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
  };
  process.once('SIGHUP', (s) => void onSignal(s));
  process.once('SIGTERM', (s) => void onSignal(s));
  // In raw mode Ctrl-C is a key, but `kill -INT` still arrives as a signal.
  process.once('SIGINT', (s) => void onSignal(s));
  process.once('exit', () => session.restore());
  try {
    await instance.waitUntilExit();
    return 0;
  } finally {
    instance.unmount();
    session.restore();
    await service.close();
  }
}
