/**
 * Starting and stopping the TUI with the terminal left as it was found: the
 * alternate screen entered and always left, the cursor shown again, raw mode
 * off, whether evfix quits, fails, or is killed by SIGHUP/SIGTERM; and a
 * write in flight is let finish (or roll back) first.
 */
import { render, type Instance } from 'ink';
import type { ReactNode } from 'react';
import { type Config, demoWarehouseMissing, loadConfig } from './data/config.js';
import { thousands } from './data/counts.js';
import type { SeedResult } from './data/demo/seed.js';
import { describeError } from './data/errors.js';
import { defaultOperator } from './data/operations/context.js';
import { deferredService } from './data/service/deferredService.js';
import type { Opened } from './data/service/open.js';
import type { Service } from './data/service/service.js';
import { App } from './App.js';
import type { TuiOptions } from './cli/tuiOptions.js';
import { DemoProgress } from './components/DemoProgress.js';
import { fixInkIncrementalRendering } from './components/inkIncrementalFix.js';
import type { Services } from './screens/navigation.js';
import { runEditor } from './terminal/editor.js';
import { TerminalSession } from './terminal/session.js';

export async function runTui(options: TuiOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(
      'evfix: the interactive screens need a terminal (stdin and stdout must be a TTY).\n' +
        "For scripts and pipes use the subcommands, e.g. 'evfix duplicates STAGE' or 'evfix update ...'; see 'evfix --help'.\n",
    );
    return 2;
  }
  const session = new TerminalSession(process.stdin, process.stdout);
  let instance: Instance | undefined;
  const onSignal = async (signal: NodeJS.Signals) => {
    // The SSH link dropped or we were told to stop: let a write commit or roll back, then leave cleanly.
    await session.settle();
    instance?.unmount();
    session.restore();
    process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
  };
  // The first draw enters the alternate screen and starts Ink; later ones replace what it shows.
  const draw = async (node: ReactNode) => {
    if (instance) return instance.rerender(node);
    await fixInkIncrementalRendering();
    session.enter();
    instance = render(node, { stdout: session.stdout, exitOnCtrlC: false, incrementalRendering: true, maxFps: 30, patchConsole: false });
    // After Ink's own signal handler (signal-exit), which re-raises a signal only when it is the sole listener.
    process.once('SIGHUP', (s) => void onSignal(s));
    process.once('SIGTERM', (s) => void onSignal(s));
    // In raw mode Ctrl-C is a key, but `kill -INT` still arrives as a signal.
    process.once('SIGINT', (s) => void onSignal(s));
    process.once('exit', () => session.restore());
  };

  let config: Config;
  let created: SeedResult | undefined;
  try {
    config = loadConfig({ configFile: options.configFile });
    if (options.readOnly) config.read_only = true;
    if (config.source === 'demo') process.stderr.write('evfix: no evfix.config.json found; using the demo warehouse.\n');
    if (demoWarehouseMissing(config) && config.engine.type === 'duckdb') {
      // A first start: the TUI starts at once and shows the demo being made, then the stage tables.
      const path = config.engine.path;
      const quit = () => {
        // The half-made demo is left under another name, and removed by the next start (ensureDemoWarehouse).
        instance?.unmount();
        session.restore();
        process.exit(0);
      };
      await draw(<DemoProgress path={path} onQuit={quit} />);
      const { ensureDemoWarehouse } = await import('./data/demo/seed.js');
      created = await ensureDemoWarehouse(config, { onProgress: (progress) => void draw(<DemoProgress progress={progress} path={path} onQuit={quit} />) });
    }
  } catch (error) {
    if (instance) {
      instance.unmount();
      session.restore();
    }
    process.stderr.write(`evfix: ${describeError(error)}\n`);
    return 1;
  }

  // The first frame is drawn before the warehouse is opened: the engines' code and the request table are
  // loaded after it, and every call waits for them. Nothing is asked of the warehouse before the opening has
  // reconciled an apply interrupted last time (openService), and its outcome is shown once known.
  let startOpening!: (opened: Promise<Opened>) => void;
  const opening = new Promise<Opened>((resolve) => {
    startOpening = resolve;
  });
  const operator = defaultOperator(config);
  const service = deferredService(
    config,
    operator,
    opening.then((o) => o.service),
  );
  const services: Services = {
    service,
    editText: (text, suffix) => session.handOver(() => runEditor(text, suffix)),
    trackWrite: session.track,
    writesInFlight: session.writesInFlight,
    settle: () => session.settle(),
    suspension: { isSuspended: session.isSuspended, subscribe: session.subscribe },
  };
  // The App quits through here (q, Ctrl-C), so nothing is drawn once it has left: Ink would mount it again on
  // a rerender after unmount, raw mode and all, and the process would never end.
  let left = false;
  let exitCode: number | undefined;
  const leave = (code?: number) => {
    if (left) return;
    left = true;
    exitCode = code;
    instance?.unmount();
  };
  const app = (notes: string[]) => <App services={services} onQuit={leave} startupNotice={notes.length ? notes.join(' ') : undefined} />;
  const createdNote = created ? [`created the demo warehouse at ${created.path} (${thousands(created.events)} events).`] : [];
  await draw(app(createdNote));
  const shown = instance!;
  let openFailed: unknown;
  let reconciled: string[] = [];
  startOpening(
    import('./data/service/open.js').then((m) =>
      // The TUI opens even when the journal cannot be read; why is said as a note, not kept from the operator.
      m.openService(config, { operator, reconcile: 'best-effort' }),
    ),
  );
  const opened = opening.then(
    (o) => {
      reconciled = o.notes;
      if (reconciled.length && !left) void draw(app([...createdNote, ...reconciled]));
    },
    (error) => {
      // No warehouse to work on (credentials, a missing file): leave as a failed start does, with the reason.
      openFailed = error;
      leave();
    },
  );
  try {
    await shown.waitUntilExit();
    // A quit within the first moments leaves before the opening is done: what it finds is still told below.
    await Promise.race([opened, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
    // The App leaves with 130 for Ctrl-C (interrupted), with nothing for q.
    return openFailed !== undefined ? 1 : (exitCode ?? 0);
  } finally {
    shown.unmount();
    session.restore();
    if (openFailed !== undefined) process.stderr.write(`evfix: ${describeError(openFailed)}\n`);
    else {
      // Also shown on the first screen; written again here so it outlives the alternate screen.
      for (const note of reconciled) process.stderr.write(`evfix: ${note}\n`);
      await reportPendingReruns(service);
    }
    await service.close();
  }
}

/**
 * On the way out, one line per stage table that does not show an applied plan yet, with the command that
 * rebuilds it: a rerun left for later (q at the rerun prompt, an apply from the CLI) is not forgotten. A
 * warehouse that does not answer within a few seconds does not hold the terminal.
 */
async function reportPendingReruns(service: Service) {
  const pending = await Promise.race([
    service.call('pendingReruns', {}).catch(() => []),
    new Promise<[]>((resolve) => setTimeout(() => resolve([]), 10_000).unref()),
  ]);
  for (const p of pending) {
    process.stderr.write(`evfix: ${p.stage} does not show ${p.plans.length} applied plan(s) yet; run: ${p.command}\n`);
  }
}
