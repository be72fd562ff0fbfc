// Runs evfix's release bundle (or a plain DuckDB script) in this process and, at exit, writes this process's
// peak resident set size to the file named by EVFIX_BENCH_OUT: the figure a benchmark reads for "the evfix
// process". Usage: node bench/lib/measured.mjs <module> [args...]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [, , module, ...args] = process.argv;
process.argv = [process.argv[0], module, ...args];
process.on('exit', () => {
  if (process.env.EVFIX_BENCH_OUT) writeFileSync(process.env.EVFIX_BENCH_OUT, JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }));
});
await import(pathToFileURL(resolve(module)).href);
