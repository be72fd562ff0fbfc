import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoWarehousePath, findConfigFile, findStage, loadConfig, readConfigFile } from '../../src/data/config.js';
import { tempDir } from '../helpers/warehouse.js';

const stages = [{ name: 'card_was_shipped_event', event_name: 'CardWasShipped', business_keys: ['$.shipment_id'] }];

function write(name: string, content: unknown) {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return { dir, file };
}

describe('configuration', () => {
  it('is found from the working directory upward and fills defaults', () => {
    const { dir } = write('evfix.config.json', { engine: { type: 'duckdb', path: 'wh.duckdb' }, stages });
    const nested = join(dir, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(findConfigFile(nested)).toBe(join(dir, 'evfix.config.json'));
    const config = loadConfig({ cwd: nested });
    expect(config).toMatchObject({
      engine: { type: 'duckdb', path: join(dir, 'wh.duckdb') },
      tables: { events: 'kinesis.backend_events', exceptions: 's3.backend_events_exceptions', exclusions: 's3.backend_events_exclusions' },
      lookback_days: 14,
      environment: 'dev',
      read_only: false,
    });
    expect(config.stages[0]).toEqual({ ...stages[0], columns: [] });
  });

  it("caps DuckDB's working memory when memory_limit is set, and says what a bad size is", async () => {
    const { file } = write('evfix.config.json', { engine: { type: 'duckdb', path: 'wh.duckdb', memory_limit: '64MB' }, stages });
    const config = readConfigFile(file);
    const { DuckdbEngine } = await import('../../src/data/duckdb/engine.js');
    const w = new DuckdbEngine(config as never);
    const [row] = await w.session(async (c) => (await c.runAndReadAll("SELECT current_setting('memory_limit') AS m")).getRowObjectsJS());
    expect(String(row!.m)).toMatch(/^6\d(\.\d+)? MiB$/);
    const bad = write('evfix.config.json', { engine: { type: 'duckdb', path: 'wh.duckdb', memory_limit: 'lots' }, stages });
    expect(() => readConfigFile(bad.file)).toThrow(/engine\.memory_limit: must be a size such as 256MB/);
  });

  it('reads YAML', () => {
    const { file } = write(
      'evfix.config.yaml',
      'engine:\n  type: duckdb\n  path: /tmp/x.duckdb\nenvironment: prod\nstages:\n  - name: card_was_shipped_event\n    event_name: CardWasShipped\n',
    );
    expect(readConfigFile(file).environment).toBe('prod');
  });

  it('falls back to the demo warehouse under XDG_DATA_HOME', () => {
    const cwd = tempDir();
    const config = loadConfig({ cwd, env: { XDG_DATA_HOME: '/data' } });
    expect(config.source).toBe('demo');
    expect(config.engine).toEqual({ type: 'duckdb', path: '/data/evfix/demo.duckdb', memory_limit: '64MB' });
    expect(demoWarehousePath({ HOME: '/home/op' })).toMatch(/\.local\/share\/evfix\/demo\.duckdb$/);
  });

  it.each([
    [{ engine: { type: 'duckdb', path: 'x' }, stages: [] }, 'stages: must list at least one stage table'],
    [{ engine: { type: 'duckdb', path: 'x' }, stages, lookback_days: 'many' }, 'lookback_days: '],
    [{ engine: { type: 'duckdb', path: 'x' }, stages, colour: 'red' }, '(top level): Unrecognized key: "colour"'],
    [{ engine: { type: 'oracle' }, stages }, 'engine.type: '],
    [{ engine: { type: 'duckdb', path: 'x' }, stages: [{ name: 'x; drop table y', event_name: 'A' }] }, 'stages[0].name: must be a plain identifier'],
    [{ engine: { type: 'duckdb', path: 'x' }, stages, tables: { events: 'kinesis.backend_events`; --' } }, 'tables.events: must be dataset.table'],
    [
      { engine: { type: 'duckdb', path: 'x' }, stages: [{ ...stages[0], business_keys: ['transaction_id'] }] },
      'stages[0].business_keys[0]: "transaction_id" is not a JSON path',
    ],
    [{ engine: { type: 'duckdb', path: 'x' }, stages: [stages[0], stages[0]] }, 'stages: "card_was_shipped_event" is listed twice'],
    [{ engine: { type: 'duckdb', path: 'x' }, stages, environment: 'production' }, 'environment: '],
  ])('names the field that is wrong: %j', (content, message) => {
    const { file } = write('evfix.config.json', content);
    expect(() => readConfigFile(file)).toThrow(`${file}: ${message}`);
  });

  it('says when the file is not JSON', () => {
    const { file } = write('evfix.config.json', '{ engine: duckdb');
    expect(() => readConfigFile(file)).toThrow(/evfix\.config\.json: not valid JSON/);
  });

  it('names unknown stage tables and lists the configured ones', () => {
    const { file } = write('evfix.config.json', { engine: { type: 'duckdb', path: 'x' }, stages });
    expect(() => findStage(readConfigFile(file), 'nope')).toThrow('unknown stage table "nope"; configured: card_was_shipped_event');
  });
});
