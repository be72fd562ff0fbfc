/** `evfix demo`: creates the embedded demo warehouse, loads demo events and builds the stage tables. */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { demoWarehouseMissing, type Config } from '../config.js';
import { refused } from '../errors.js';
import { spillDirectory } from '../duckdb/connection.js';
import { DuckdbEngine } from '../duckdb/engine.js';
import type { EventRow } from '../model.js';
import { BEGINNING, nowMicros, type Micros } from '../timestamp.js';
import { demoEvents } from './generate.js';

/** How far the seeding has got: events written so far, then stage tables built so far. */
export type SeedProgress = { step: 'events' | 'stages'; done: number; total: number };
export type SeedOptions = { events?: number; seed?: number; reset?: boolean; now?: Micros; onProgress?: (progress: SeedProgress) => void };
export type SeedResult = { path: string; events: number; stages: { stage: string; rows: number }[] };

export const DEMO_EVENTS = 50_000;
export const DEMO_SEED = 42;

/** Events handed to DuckDB's appender at a time: its loop is synchronous, and this many take a few ms. */
const APPEND_ROWS = 1_000;

/** Work this long between turns of the event loop keeps the TUI's spinner and keys going while the demo is made. */
const SLICE_MS = 5;

/** `if (pace.due()) await pace.rest()` once per generated event: lets the event loop run once a slice is used up. */
function pacer() {
  let last = performance.now();
  let steps = 0;
  return {
    // Checked every 64 steps: reading the clock for each of 50,000 events would cost more than the events.
    due: () => (++steps & 63) === 0 && performance.now() - last > SLICE_MS,
    rest: () =>
      new Promise<void>((resolve) =>
        setImmediate(() => {
          last = performance.now();
          resolve();
        }),
      ),
  };
}

export async function seedDemo(config: Config, options: SeedOptions = {}): Promise<SeedResult> {
  if (config.engine.type !== 'duckdb') throw refused('demo data is only for the embedded DuckDB warehouse');
  const path = config.engine.path;
  if (options.reset) for (const f of [path, `${path}.wal`]) if (existsSync(f)) rmSync(f);
  const now = options.now ?? nowMicros();
  // The demo is evfix's own sample data, so it is created even when the operator asked for read-only.
  const warehouse = new DuckdbEngine({ ...config, read_only: false } as Config & { engine: { type: 'duckdb' } }, () => now);
  const total = options.events ?? DEMO_EVENTS;
  const report = options.onProgress ?? (() => undefined);
  // One session around the whole load keeps the file open (and checkpoints once) instead of per batch.
  return warehouse.session(async () => {
    const existing = await warehouse.countEvents();
    if (existing > 0) throw refused(`${path} already holds ${existing} events; use --reset to start again`);
    await warehouse.createTables();
    // Generated and written in slices, letting the event loop run between them: the TUI draws its progress
    // meanwhile. The rows are the same as generateDemoEvents' for the seed, whatever the slices.
    report({ step: 'events', done: 0, total });
    const pace = pacer();
    let batch: EventRow[] = [];
    let count = 0;
    for (const row of demoEvents({ events: total, seed: options.seed ?? DEMO_SEED, now })) {
      batch.push(row);
      if (batch.length === APPEND_ROWS) {
        count = await warehouse.appendEvents(batch);
        batch = [];
        report({ step: 'events', done: count, total });
      }
      if (pace.due()) await pace.rest();
    }
    if (batch.length) count = await warehouse.appendEvents(batch);
    report({ step: 'events', done: count, total });
    const stages = [];
    for (const [i, stage] of config.stages.entries()) {
      report({ step: 'stages', done: i, total: config.stages.length });
      // The whole history, so the stage tables start complete.
      const since = BEGINNING;
      const { inserted } = await warehouse.rerunStage(stage, since);
      stages.push({ stage: stage.name, rows: inserted ?? 0 });
    }
    report({ step: 'stages', done: config.stages.length, total: config.stages.length });
    return { path, events: count, stages };
  });
}

/** EVFIX_DEMO_EVENTS: how many events the demo created on first use holds (DEMO_EVENTS when unset). */
export function demoEventsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const n = Number(env.EVFIX_DEMO_EVENTS);
  return env.EVFIX_DEMO_EVENTS && Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * With no config the demo warehouse is created on first use, so `evfix` just works. It is made under
 * another name and renamed when complete: an evfix stopped while creating it (the TUI shows the progress,
 * and q leaves) leaves no half-made demo for the next start to open.
 */
export async function ensureDemoWarehouse(
  config: Config,
  options: { env?: NodeJS.ProcessEnv; onProgress?: (progress: SeedProgress) => void } = {},
): Promise<SeedResult | undefined> {
  if (!demoWarehouseMissing(config) || config.engine.type !== 'duckdb') return undefined;
  const path = config.engine.path;
  removeAbandoned(path);
  const partial = `${path}.partial-${process.pid}`;
  try {
    const result = await seedDemo(
      { ...config, engine: { ...config.engine, path: partial } },
      { events: demoEventsFromEnv(options.env ?? process.env), onProgress: options.onProgress },
    );
    // Checkpointed and closed at the end of the seeding session: the data is all in the one file.
    renameSync(partial, path);
    return { ...result, path };
  } finally {
    // The spill folder too (connection.ts keeps it beside a warehouse): the renamed file gets its own.
    for (const f of [partial, `${partial}.wal`, spillDirectory(partial)]) rmSync(f, { force: true, recursive: true });
  }
}

/** Removes demo files left half-made by evfix processes that no longer run. */
function removeAbandoned(path: string) {
  const prefix = `${basename(path)}.partial-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) continue;
    rmSync(join(dirname(path), name), { force: true, recursive: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
