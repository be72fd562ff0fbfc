/**
 * Promise 5: every input the tool accepts either succeeds exactly or fails
 * with one message naming the field, and the warehouse is unchanged on failure.
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DEMO_STAGES, readConfigFile } from '../../src/data/config.js';
import { EvfixError } from '../../src/data/errors.js';
import { formatPath, parsePath } from '../../src/data/json/path.js';
import { parseJson, stringifyJson } from '../../src/data/json/value.js';
import { parseEventId, requireDescription } from '../../src/data/model.js';
import { parsePlan, serializePlan } from '../../src/data/plan.js';
import { canonicalTimestamp, formatTimestamp, parseTimestamp } from '../../src/data/timestamp.js';
import { event, insertOriginals, makeWarehouse, NOW, stageNamed, tableCounts, tempDir } from '../helpers/warehouse.js';

/** Either a value, or an EvfixError whose message starts with the field's name. */
function succeedsOrNames<T>(field: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (error) {
    expect(error).toBeInstanceOf(EvfixError);
    expect((error as Error).message.startsWith(`${field}: `), (error as Error).message).toBe(true);
    expect((error as Error).message).not.toContain('\n    at ');
    return undefined;
  }
}

describe('bad input, property-based', () => {
  it('event ids', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uuid(),
          fc.uuid().map((u) => u.toUpperCase()),
          fc.uuid().map((u) => ` ${u}x`),
        ),
        (text) => {
          const id = succeedsOrNames('event_id', () => parseEventId(text));
          if (id !== undefined) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        },
      ),
    );
  });

  it('timestamps: zones, 7+ fractional digits, before 1970, far future', () => {
    const parts = fc.record({
      y: fc.integer({ min: 0, max: 12000 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 25 }),
      frac: fc.stringMatching(/^\d{0,9}$/),
      zone: fc.constantFrom('', 'Z', ' UTC', '+02:00', '-0530', '+14:00', '+15:00', '+1'),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          parts.map(
            (p) =>
              `${String(p.y).padStart(4, '0')}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')} ${String(p.h).padStart(2, '0')}:30:15${p.frac ? `.${p.frac}` : ''}${p.zone}`,
          ),
        ),
        (text) => {
          const ts = succeedsOrNames('event_created_at', () => canonicalTimestamp(text, 'event_created_at'));
          if (ts !== undefined) expect(formatTimestamp(parseTimestamp(ts))).toBe(ts);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('JSON paths: quotes, brackets, unicode keys, array indices', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'grapheme' }).map((k) => `$.${k}`),
          fc.string().map((k) => `$["${k}"]`),
          fc.nat().map((n) => `$.a[${n}]`),
        ),
        (text) => {
          const path = succeedsOrNames('path', () => parsePath(text));
          if (path !== undefined) expect(parsePath(formatPath(path))).toEqual(path);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('JSON values: deep nesting, numbers beyond 2^53, control characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.bigInt().map((n) => `{"n":${n}}`),
          fc.integer({ min: 400, max: 700 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
          fc.string().map((s) => `"${s}"`),
        ),
        (text) => {
          const value = succeedsOrNames('value', () => parseJson(text, 'value'));
          if (value !== undefined) expect(stringifyJson(parseJson(stringifyJson(value)))).toBe(stringifyJson(value));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('descriptions: quotes, backticks, newlines, up to 10,000 characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ minLength: 9990, maxLength: 10_020 }), fc.constantFrom('', '   ', '\n', '\'`"\n;--')), (text) => {
        const d = succeedsOrNames('description', () => requireDescription(text));
        if (d !== undefined) expect(d).toBe(text.trim());
      }),
    );
  });

  it('config files: wrong types, unknown keys, missing fields', () => {
    const dir = tempDir();
    const file = join(dir, 'evfix.config.json');
    const stage = fc.record(
      { name: fc.oneof(fc.constant('card_was_shipped_event'), fc.string()), event_name: fc.oneof(fc.constant('CardWasShipped'), fc.string(), fc.integer()) },
      { requiredKeys: [] },
    );
    const config = fc.record(
      {
        engine: fc.oneof(fc.constant({ type: 'duckdb', path: 'x.duckdb' }), fc.record({ type: fc.string() }), fc.string()),
        stages: fc.oneof(fc.array(stage, { maxLength: 2 }), fc.string()),
        lookback_days: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.string()),
        environment: fc.oneof(fc.constantFrom('dev', 'prod'), fc.string()),
        extra: fc.string(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (value) => {
        writeFileSync(file, JSON.stringify(value));
        try {
          readConfigFile(file);
        } catch (error) {
          expect(error).toBeInstanceOf(EvfixError);
          expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\S`));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('hand-edited plan files are refused, and nothing is written', async () => {
    const w = await makeWarehouse();
    const stage = stageNamed(w.config, 'remittance_was_sent_event');
    const a = event();
    await insertOriginals(w.warehouse, [a]);
    const plan = await w.service.call('makePlan', {
      op: 'update',
      stage: stage.name,
      selection: { keys: [{ event_id: a.event_id, event_created_at: a.event_created_at }] },
      edits: [{ op: 'set', path: '$.Status', value: '"Failed"', createIfMissing: true }],
      description: 'fix',
    });
    const text = serializePlan(plan);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.string({ minLength: 1, maxLength: 3 }), (at, insert) => {
        const edited = text.slice(0, at) + insert + text.slice(at + 1);
        if (edited === text) return;
        try {
          parsePlan(edited, 'plan.json');
          // A change that parses to the same plan (e.g. whitespace) is not an edit of its content.
          expect(parsePlan(edited, 'plan.json')).toEqual(plan);
        } catch (error) {
          expect(error).toBeInstanceOf(EvfixError);
          expect((error as Error).message.startsWith('plan.json: ')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(await tableCounts(w.warehouse)).toEqual({ events: 1, exceptions: 0, exclusions: 0 });
  });

  it('through the CLI: any bad update is one message and an unchanged warehouse', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'evfix.config.json'), JSON.stringify({ engine: { type: 'duckdb', path: 'wh.duckdb' }, stages: DEMO_STAGES }));
    const env = { XDG_STATE_HOME: join(dir, 'state') };
    const run = async (args: string[]) => {
      let err = '';
      const code = await runCli(args, { out: () => undefined, err: (t) => (err += `${t}\n`), env, cwd: dir, now: () => parseTimestamp(NOW) });
      return { code, err };
    };
    await run(['demo', '--events', '300']);
    const { DuckdbEngine } = await import('../../src/data/duckdb/engine.js');
    const w = new DuckdbEngine(readConfigFile(join(dir, 'evfix.config.json')) as never);
    const before = await tableCounts(w);
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.string(), fc.string(), async (id, created, set, description) => {
        const r = await run([
          'update',
          'remittance_was_sent_event',
          '--event-id',
          id,
          '--created-at',
          created,
          '--set',
          set,
          '--description',
          description,
          '--yes',
        ]);
        expect(r.code).not.toBe(0);
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err).toMatch(/^evfix update: (event_id|event_created_at|--set|set|description|value|path|--set path|--set value)\b|^evfix update: \S/);
      }),
      { numRuns: 40 },
    );
    expect(await tableCounts(w)).toEqual(before);
  });
});
