/** Entry point: subcommands run headless; no arguments opens the TUI. */
import { tuiOptions } from './cli/tuiOptions.js';

async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const tui = tuiOptions(argv);
  if (tui) {
    // Ink draws only a final frame when CI is set; the TUI runs only on a real terminal, where it must draw
    // as usual (an operator's shell or a CI job's pty may carry CI=true). Cleared before Ink is loaded.
    if (process.stdin.isTTY && process.stdout.isTTY) {
      delete process.env.CI;
      delete process.env.CONTINUOUS_INTEGRATION;
    }
    // Loaded only for the TUI, so headless commands never pay for Ink and React.
    const { runTui } = await import('./tui.js');
    return runTui(tui);
  }
  // Loaded only for the commands, so the TUI's first frame does not wait for them.
  const { runCli } = await import('./cli/main.js');
  return runCli(argv, {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    ask: process.stdin.isTTY && process.stderr.isTTY ? ask : undefined,
    env: process.env,
    cwd: process.cwd(),
  });
}

// `evfix duplicates X | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`evfix: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
