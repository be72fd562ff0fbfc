/** `evfix demo`: creates the embedded demo warehouse, loads demo events and builds the stage tables. */
import { existsSync, rmSync } from 'node:fs';
import type { Config } from '../config.js';
import { refused } from '../errors.js';
import { DuckdbEngine } from '../duckdb/engine.js';
import { BEGINNING, nowMicros, type Micros } from '../timestamp.js';
import { generateDemoEvents } from './generate.js';

export type SeedOptions = { events?: number; seed?: number; reset?: boolean; now?: Micros };
export type SeedResult = { path: string; events: number; stages: { stage: string; rows: number }[] };

export const DEMO_EVENTS = 50_000;
export const DEMO_SEED = 42;

export async function seedDemo(config: Config, options: SeedOptions = {}): Promise<SeedResult> {
  if (config.engine.type !== 'duckdb') throw refused('demo data is only for the embedded DuckDB warehouse');
  const path = config.engine.path;
  if (options.reset) for (const f of [path, `${path}.wal`]) if (existsSync(f)) rmSync(f);
  const now = options.now ?? nowMicros();
  // The demo is evfix's own sample data, so it is created even when the operator asked for read-only.
  const warehouse = new DuckdbEngine({ ...config, read_only: false } as Config & { engine: { type: 'duckdb' } }, () => now);
  const existing = await warehouse.countEvents();
  if (existing > 0) throw refused(`${path} already holds ${existing} events; use --reset to start again`);
  await warehouse.createTables();
  const events = generateDemoEvents({ events: options.events ?? DEMO_EVENTS, seed: options.seed ?? DEMO_SEED, now });
  const count = await warehouse.appendEvents(events);
  const stages = [];
  for (const stage of config.stages) {
    // The whole history, so the stage tables start complete.
    const since = BEGINNING;
    const { inserted } = await warehouse.rerunStage(stage, since);
    stages.push({ stage: stage.name, rows: inserted ?? 0 });
  }
  return { path, events: count, stages };
}

/** With no config the demo warehouse is created on first use, so `evfix` just works. */
export async function ensureDemoWarehouse(config: Config): Promise<SeedResult | undefined> {
  if (config.source !== 'demo' || config.engine.type !== 'duckdb' || existsSync(config.engine.path)) return undefined;
  return seedDemo(config);
}
