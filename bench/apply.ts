/**
 * Plans at scale on DuckDB, on the 10M-event file: an update by predicate of about 1,000,000 and of about
 * 100,000 events, and a dedupe of every group of a stage, each made and applied by evfix's command line in a
 * process of its own (`update ... --yes`: planning plus apply), against the hand-written statements that
 * write the same rows, run in a process of their own with the same DuckDB settings. Every run starts from a
 * fresh copy of the file; both sides must write the same number of rows, or the run fails.
 *
 * Also measured: each evfix process's peak RSS, the size of the 1M-event plan file, and the longest
 * event-loop stall while the same plan is made and applied in this process through the service, as the TUI
 * makes and applies it (the TUI draws and reads keys on that thread).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEMO_STAGES } from '../src/data/config.js';
import { DuckdbEngine } from '../src/data/duckdb/engine.js';
import { Journal } from '../src/data/journal.js';
import { lookbackStart, type Context } from '../src/data/operations/context.js';
import { createService } from '../src/data/service/service.js';
import { benchConfig, clock, copyOf, eventsFile, NOW } from './lib/events.js';
import { median } from './lib/stats.js';
import type { Figure } from './report.js';

const EVENTS = 10_000_000;
/** Built beside this bundle by scripts/bench.mjs: evfix's command line with the bench's clock. */
const CLI = new URL('./cli.mjs', import.meta.url).pathname;
const PLAIN = join(process.cwd(), 'bench', 'lib', 'plainStatements.mjs');

/** A warehouse with ROWS pending remittances, each also delivered twice (ROWS duplicate groups): the keys bench's. */
export async function applyFile(dir: string, rows = 100_000): Promise<string> {
  const path = join(dir, `apply-${rows}-v1.duckdb`);
  if (existsSync(path)) return path;
  const w = new DuckdbEngine(benchConfig(`${path}.building`));
  await w.createTables();
  await w.session(async (conn) => {
    await conn.run(`INSERT INTO kinesis.backend_events
SELECT TIMESTAMP '2026-03-25 00:00:00' + to_microseconds(i * 3000000) AS event_created_at,
       printf('%s-%s-4%s-8%s-%s', substr(md5(i::VARCHAR), 1, 8), substr(md5(i::VARCHAR), 9, 4), substr(md5(i::VARCHAR), 13, 3), substr(md5(i::VARCHAR), 16, 3), substr(md5(i::VARCHAR), 19, 12)),
       'RemittanceWasSent', 'user-' || (i % 5000)::VARCHAR, NULL, NULL,
       json_object('remittance_id', 'rm_' || i::VARCHAR, 'Status', 'Pending', 'amount', (i % 250000) / 100.0),
       TIMESTAMP '2026-03-25 00:00:01' + to_microseconds(i * 3000000) + to_microseconds(c * 60000000)
FROM range(${rows}) t(i), range(2) u(c)`);
    await conn.run('CHECKPOINT');
  });
  renameSync(`${path}.building`, path);
  return path;
}

type Case = { name: string; stage: string; argv: string[]; reference: string[] };

/** An update of the remittances whose Status is "Sent", from `from` on: the runbook's fix, by predicate. */
function updateCase(name: string, from: string): Case {
  // The statement an operator writes by hand for this file: one copy per event_id (the first ingested). The
  // file has no exceptions or exclusions, so this writes exactly what evfix writes (the run checks the counts);
  // the rules evfix applies for them cost it an anti join or two that the reference skips.
  return {
    name,
    stage: 'remittance_was_sent_event',
    argv: ['update', 'remittance_was_sent_event', '--where', '$.Status="Sent"', '--from', from, '--set', '$.Status="Failed"', '--description', 'bench update'],
    reference: [
      `INSERT INTO s3.backend_events_exceptions
SELECT e.event_created_at, e.event_id, e.event_name, e.user_id, e.event_external_reference_id, e.event_advisor_id,
       json_merge_patch(e.event_data, '{"Status":"Failed"}'), e.event_ingested_at, TIMESTAMP '${NOW}', 'bench update', true
FROM kinesis.backend_events AS e
WHERE e.event_name = 'RemittanceWasSent' AND e.event_created_at >= TIMESTAMP '${from}'
  AND json_extract_string(e.event_data, '$.Status') = 'Sent'
QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.event_ingested_at) = 1`,
    ],
  };
}

/** Dedupe of every unresolved event_id group of the largest stage in the lookback: exclude every copy, re-add the first ingested. */
function dedupeCase(): Case {
  const stage = DEMO_STAGES.find((s) => s.name === 'transaction_was_created_event')!;
  const from = lookbackStart({ config: benchConfig('unused'), now: clock }, 30);
  const copies = `FROM kinesis.backend_events AS e
WHERE e.event_name = '${stage.event_name}' AND e.event_created_at >= TIMESTAMP '${from}'
  AND e.event_id IN (SELECT event_id FROM kinesis.backend_events WHERE event_name = '${stage.event_name}' AND event_created_at >= TIMESTAMP '${from}'
                     GROUP BY event_id HAVING count(*) > 1)`;
  return {
    name: 'dedupe of every group, 10M-event file',
    stage: stage.name,
    argv: ['dedupe', stage.name, '--lookback', '30', '--description', 'bench dedupe'],
    reference: [
      `INSERT INTO s3.backend_events_exclusions
SELECT DISTINCT e.event_created_at, e.event_id, e.event_name, TIMESTAMP '${NOW}', 'bench dedupe'
${copies}`,
      `INSERT INTO s3.backend_events_exceptions
SELECT e.*, TIMESTAMP '${NOW}', 'bench dedupe', false
${copies}
QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.event_ingested_at) = 1`,
    ],
  };
}

type Run = { ms: number; rssMb: number; written: number[] };

/** A process, timed from spawn to exit, with the peak RSS it reports. */
function timedProcess(args: string[], env: Record<string, string>, scratch: string): Run & { stdout: string } {
  const out = join(scratch, 'rss.json');
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env, EVFIX_BENCH_OUT: out }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: ${env.EVFIX_BENCH_CASE ?? args.slice(0, 3).join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return { ms, rssMb: JSON.parse(readFileSync(out, 'utf8')).maxRssMb, written: [], stdout: r.stdout };
}

function evfixRun(source: string, scratch: string, c: Case, extra: string[] = ['--yes']): Run & { stdout: string } {
  const file = copyOf(source, join(scratch, 'evfix.duckdb'));
  const config = join(scratch, 'evfix.config.json');
  writeFileSync(config, JSON.stringify({ engine: { type: 'duckdb', path: file }, stages: DEMO_STAGES }));
  const run = timedProcess([CLI, ...c.argv, '--config', config, ...extra], { XDG_STATE_HOME: join(scratch, 'state'), NO_COLOR: '1' }, scratch);
  const m = /wrote (\d+) exclusion row\(s\) and (\d+) exception row\(s\)/.exec(run.stdout);
  return { ...run, written: m ? [Number(m[1]), Number(m[2])] : [] };
}

function referenceRun(source: string, scratch: string, c: Case): Run {
  const file = copyOf(source, join(scratch, 'reference.duckdb'));
  // The settings evfix gives the embedded warehouse (its memory limit above all; its spill folder beside the file).
  const settings = new DuckdbEngine(benchConfig(file), clock).settings();
  const run = timedProcess([PLAIN, file, JSON.stringify(settings), JSON.stringify(c.reference)], { EVFIX_BENCH_CASE: c.name }, scratch);
  const changed: number[] = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
  // [exclusions, exceptions], as evfix reports them.
  return { ...run, written: c.reference.length === 2 ? changed : [0, changed[0]!] };
}

/** The longest event-loop stall while the 1M-event plan is made and applied through the service, in this process. */
async function stallOf(source: string, scratch: string, c: Case): Promise<number> {
  const config = benchConfig(copyOf(source, join(scratch, 'stall.duckdb')));
  const ctx: Context = { config, engine: new DuckdbEngine(config, clock), now: clock, operator: 'bench' };
  const service = createService(ctx, new Journal(join(scratch, 'state', 'stall-journal.jsonl')));
  // As in the TUI, the warehouse has been read (the stage list) before a plan is made: DuckDB's native module
  // is loaded by then, and its load is start-up's cost, not planning's.
  await service.call('stageSummary', { stage: c.stage });
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const plan = await service.call('makePlan', {
    op: 'update',
    stage: c.stage,
    selection: { where: ['$.Status="Sent"'], from: c.argv[c.argv.indexOf('--from') + 1] },
    edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
    description: 'bench update',
  });
  await service.call('applyPlan', { plan: plan.id });
  stalls.disable();
  await ctx.engine.close();
  return stalls.max / 1e6;
}

export async function applyBenchmarks(dataDir: string, runs: number): Promise<Figure[]> {
  const source = await eventsFile(dataDir, EVENTS);
  const scratch = join(dataDir, 'plans-scratch');
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const big = updateCase('update by predicate, ~1,000,000 events', '2026-03-16');
  const small = updateCase('update by predicate, ~100,000 events', '2026-03-29 22:00:00');
  const figures: Figure[] = [];
  const rss: Record<string, number> = {};
  for (const c of [big, small, dedupeCase()]) {
    const subject: number[] = [],
      reference: number[] = [];
    let peak = 0;
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      // Alternating which goes first, so both see the same machine noise.
      const pair =
        i % 2
          ? [() => referenceRun(source, scratch, c), () => evfixRun(source, scratch, c)]
          : [() => evfixRun(source, scratch, c), () => referenceRun(source, scratch, c)];
      const [first, second] = pair.map((run) => run());
      const [e, r] = i % 2 ? [second!, first!] : [first!, second!];
      if (JSON.stringify(e.written) !== JSON.stringify(r.written)) {
        throw new Error(
          `bench: ${c.name}: evfix wrote ${JSON.stringify(e.written)} rows, the reference ${JSON.stringify(r.written)}; the comparison would be meaningless`,
        );
      }
      subject.push(e.ms);
      reference.push(r.ms);
      peak = Math.max(peak, e.rssMb);
      rows = c.reference.length === 2 ? e.written[0]! : e.written[1]!;
    }
    figures.push({
      name: `plan: ${c.name} (${rows.toLocaleString('en')} rows), planning plus apply`,
      unit: 'ms',
      value: median(subject),
      reference: median(reference),
      ratio: median(subject) / median(reference),
      budget: { ratio: 1.5 },
    });
    figures.push({ name: `plan: ${c.name}: evfix peak RSS`, unit: 'MB', value: peak, budget: { max: 300 } });
    rss[c.name] = peak;
  }
  // Flat: the 1M-event plan's process needs no more memory than the 100k one's, give or take 15%.
  figures.push({ name: 'plan: peak RSS, ~1M vs ~100k events', unit: 'x', value: rss[big.name]! / rss[small.name]!, budget: { max: 1.15 } });

  const planFile = join(scratch, 'plan.json');
  evfixRun(source, scratch, big, ['--plan-out', planFile]);
  figures.push({ name: 'plan: plan file of ~1M events', unit: 'bytes', value: statSync(planFile).size, budget: { max: 1024 * 1024 } });
  figures.push({
    name: 'plan: longest event-loop stall, ~1M events planned and applied in-process',
    unit: 'ms',
    value: await stallOf(source, scratch, big),
    budget: { max: 33 },
  });
  rmSync(scratch, { recursive: true, force: true });
  return figures;
}
