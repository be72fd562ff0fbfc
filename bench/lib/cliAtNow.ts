/**
 * evfix's command line as bin/evfix runs it, with the bench's clock (the generated warehouses end at NOW, and
 * lookbacks count back from it). Bundled by scripts/bench.mjs as bench/.build/cli.mjs and run as its own
 * process, so the peak RSS it writes to $EVFIX_BENCH_OUT at exit is evfix's alone.
 */
import { writeFileSync } from 'node:fs';
import { runCli } from '../../src/cli/main.js';
import { clock } from './events.js';

process.on('exit', () => {
  if (process.env.EVFIX_BENCH_OUT) writeFileSync(process.env.EVFIX_BENCH_OUT, JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }));
});
process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  now: clock,
});
