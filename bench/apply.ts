/**
 * Apply at scale on DuckDB: a 100,000-row update plan and a 100,000-group
 * dedupe plan, against one INSERT ... SELECT of the same rows in plain SQL.
 * Every run starts from a fresh copy of the same file. The plans are made and
 * written on the plan worker, as the TUI makes and writes them, and the
 * stall is this (the screen's) thread's; as before, without a journal.
 */
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DuckdbEngine } from '../src/data/duckdb/engine.js';
import type { Context } from '../src/data/operations/context.js';
import type { PlanRef } from '../src/data/plans/planRef.js';
import type { PlanRequest } from '../src/data/plans/planRequest.js';
import type { Plans } from '../src/data/plans/plans.js';
import { workerPlans } from '../src/data/plans/workerPlans.js';
import { benchConfig, clock, copyOf } from './lib/events.js';
import { plainSession } from './lib/plainDuckdb.js';
import { median, peakRss } from './lib/stats.js';
import type { Figure } from './report.js';

const ROWS = 100_000;
/** Built beside this bundle by scripts/bench.mjs. */
const PLAN_WORKER = new URL('./plan-worker.mjs', import.meta.url);

/** A warehouse with ROWS pending remittances, each also delivered twice (ROWS duplicate groups). */
export async function applyFile(dir: string): Promise<string> {
  const path = join(dir, `apply-${ROWS}-v1.duckdb`);
  const { existsSync } = await import('node:fs');
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
FROM range(${ROWS}) t(i), range(2) u(c)`);
    await conn.run('CHECKPOINT');
  });
  (await import('node:fs')).renameSync(`${path}.building`, path);
  return path;
}

/**
 * One run: a fresh copy of the file, a plan made and written through `plans`. One worker serves every run of a
 * case, as the TUI's serves every plan of a session (a fresh thread per run would time cold code each time).
 */
async function timedApply(source: string, scratch: string, plans: Plans, request: PlanRequest) {
  copyOf(source, scratch);
  // The longest the event loop is held (the TUI cannot draw or read a key meanwhile), planning and applying.
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const plan: PlanRef = await plans.build(request);
  const { value: ms, peakMb } = await peakRss(async () => {
    const t0 = performance.now();
    await plan.apply();
    return performance.now() - t0;
  });
  stalls.disable();
  // As the TUI does when the operator is back at the stage tables after a write.
  await plans.forget();
  return { ms, peakMb, stallMs: stalls.max / 1e6 };
}

async function timedPlain(source: string, scratch: string, statements: string[]) {
  const path = copyOf(source, scratch);
  const t0 = performance.now();
  await plainSession(path, async (run) => {
    await run('BEGIN TRANSACTION');
    for (const s of statements) await run(s);
    await run('COMMIT');
  });
  return performance.now() - t0;
}

export async function applyBenchmarks(dataDir: string, runs: number): Promise<Figure[]> {
  const source = await applyFile(dataDir);
  const scratch = join(dataDir, 'apply-scratch.duckdb');
  const figures: Figure[] = [];
  const cases: { name: string; plan: PlanRequest; plain: string[] }[] = [
    {
      name: `apply: ${ROWS.toLocaleString('en')}-row update plan`,
      plan: {
        op: 'update',
        stage: 'remittance_was_sent_event',
        targets: { filter: { path: '$.Status', value: '"Pending"', from: '2026-03-20' } },
        edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
        description: 'bench update',
      },
      plain: [
        `INSERT INTO s3.backend_events_exceptions
SELECT e.event_created_at, e.event_id, e.event_name, e.user_id, e.event_external_reference_id, e.event_advisor_id,
       json_merge_patch(e.event_data, '{"Status":"Failed"}'), e.event_ingested_at, TIMESTAMP '2026-03-31 12:00:00', 'bench update', true
FROM kinesis.backend_events e
WHERE e.event_name = 'RemittanceWasSent'
QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.event_ingested_at) = 1`,
      ],
    },
    {
      name: `apply: ${ROWS.toLocaleString('en')}-group dedupe plan`,
      plan: { op: 'dedupe', stage: 'remittance_was_sent_event', description: 'bench dedupe' },
      plain: [
        `INSERT INTO s3.backend_events_exclusions
SELECT DISTINCT event_created_at, event_id, event_name, TIMESTAMP '2026-03-31 12:00:00', 'bench dedupe' FROM kinesis.backend_events`,
        `INSERT INTO s3.backend_events_exceptions
SELECT e.*, TIMESTAMP '2026-03-31 12:00:00', 'bench dedupe', false FROM kinesis.backend_events e
QUALIFY row_number() OVER (PARTITION BY e.event_id ORDER BY e.event_ingested_at) = 1`,
      ],
    },
  ];
  const config = benchConfig(scratch);
  const ctx: Context = { config, warehouse: new DuckdbEngine(config, clock), now: clock, operator: 'bench' };
  for (const c of cases) {
    const subject: number[] = [], reference: number[] = [];
    let peak = 0, stall = 0;
    const plans = workerPlans(ctx, undefined, PLAN_WORKER);
    try {
      for (let i = 0; i < runs; i++) {
        const { ms, peakMb, stallMs } = await timedApply(source, scratch, plans, c.plan);
        subject.push(ms);
        peak = Math.max(peak, peakMb);
        stall = Math.max(stall, stallMs);
        reference.push(await timedPlain(source, scratch, c.plain));
      }
    } finally {
      await plans.close();
    }
    figures.push({ name: c.name, unit: 'ms', value: median(subject), reference: median(reference), ratio: median(subject) / median(reference), budget: { ratio: 2 } });
    figures.push({ name: `${c.name}: peak RSS`, unit: 'MB', value: peak });
    // The TUI draws and reads keys on this thread: a stall longer than a frame (30 fps) is a visible freeze.
    figures.push({ name: `${c.name}: longest event-loop stall, planning and applying`, unit: 'ms', value: stall, budget: { max: 33 } });
  }
  return figures;
}
