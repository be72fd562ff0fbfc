/**
 * npm run bench [-- --check] [-- --quick]: every benchmark, a table, and
 * bench/results.json. Timings are medians of several runs and, where there is
 * a reference, ratios to it measured in the same run. --check exits non-zero
 * when a figure misses its budget; benchmarks never run in npm test.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyBenchmarks } from './apply.js';
import { bigqueryCostBenchmark } from './bigqueryCost.js';
import { machine, table, verdict, writeResults, type Figure } from './report.js';
import { rerunBenchmarks } from './rerun.js';
import { scanBenchmarks } from './scans.js';
import { keysBenchmark, stageListBenchmark, startupBenchmark } from './tui.js';
import { applyFile } from './apply.js';
import { eventsFile } from './lib/events.js';

const args = new Set(process.argv.slice(2));
const check = args.has('--check');
const quick = args.has('--quick');
const only = process.argv
  .slice(2)
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length);

const dataDir = join(process.cwd(), 'bench', '.data');
mkdirSync(dataDir, { recursive: true });
const started = performance.now();
const figures: Figure[] = [];
const step = async (name: string, run: () => Promise<Figure[]>) => {
  if (only && !name.includes(only)) return;
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}…`);
  const out = await run();
  figures.push(...out);
  process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
};

const m = machine();
process.stderr.write(`bench: ${m.cores} cores, ${m.cpu}, Node ${m.node}\n`);
await step('start-up', () => startupBenchmark(dataDir, join(process.cwd(), 'bench', '.build', 'minimal.mjs'), quick ? 5 : 15));
await step('keys', async () => keysBenchmark(dataDir, await applyFile(dataDir), 100_000));
await step('stage list', async () => {
  // The generated file ends at NOW; the TUI counts back from today, so its lookback reaches NOW's 14-day window.
  const lookbackDays = Math.floor((Date.now() - Date.parse('2026-03-17T00:00:00Z')) / 86_400_000);
  return stageListBenchmark(
    dataDir,
    [
      { label: 'demo warehouse', path: join(dataDir, 'xdg-data', 'evfix', 'demo.duckdb') },
      ...(quick ? [] : [{ label: '10M events', path: await eventsFile(dataDir, 10_000_000), lookbackDays }]),
    ],
    join(process.cwd(), 'bench', '.build', 'minimal.mjs'),
    quick ? 1 : 3,
  );
});
await step('scans', () => scanBenchmarks(dataDir, quick ? [1_000_000] : [1_000_000, 10_000_000], (events) => (events < 10_000_000 ? 11 : 5)));
await step('plans', () => applyBenchmarks(dataDir, quick ? 1 : 3));
await step('rerun', () => rerunBenchmarks(dataDir, quick ? 1_000_000 : 10_000_000, 3));
let scans: Awaited<ReturnType<typeof bigqueryCostBenchmark>>['scans'] = [];
await step('bigquery cost', async () => {
  const r = await bigqueryCostBenchmark();
  scans = r.scans;
  return r.figures;
});

const seconds = (performance.now() - started) / 1000;
console.log(table(figures));
console.log(`\n${m.cores} cores · ${m.cpu} · ${m.memory_gb} GB · Node ${m.node} · ${seconds.toFixed(0)} s`);
if (scans.length) {
  console.log('\nBigQuery reads of partitioned tables (statement: table, event_created_at bounds):');
  for (const s of scans) console.log(`  ${s.statement.padEnd(60)} ${s.table.padEnd(40)} ${s.bound ?? 'UNBOUNDED'}`);
}
if (!only) writeResults(join(process.cwd(), 'bench', 'results.json'), figures, seconds);
const misses = figures.filter((f) => verdict(f) === 'MISS');
if (check) {
  if (misses.length) {
    console.error(`\nbench --check: ${misses.length} figure(s) over budget: ${misses.map((f) => f.name).join('; ')}`);
    process.exit(1);
  }
  console.error('\nbench --check: every figure within budget');
}
process.exit(0);
