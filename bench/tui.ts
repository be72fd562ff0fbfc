/**
 * The TUI as an operator meets it, in a real pseudo-terminal running the
 * release bundle (bin/evfix): start-up to the first frame against a minimal
 * Ink app, `npm start` to the first frame against bin/evfix itself, and keys
 * on a 100,000-group duplicate list at 80x24, 200x50 and 300x80.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema, DEMO_STAGES, type Config } from '../src/data/config.js';
import { DuckdbEngine } from '../src/data/duckdb/engine.js';
import * as reads from '../src/data/duckdb/readSql.js';
import { Params } from '../src/data/duckdb/selectionSql.js';
import { stageTable } from '../src/data/duckdb/stageSql.js';
import { lookbackStart } from '../src/data/operations/context.js';
import { FAR_FUTURE, nowMicros } from '../src/data/timestamp.js';
import { Screen } from '../test/helpers/screen.js';
import { plainSession } from './lib/plainDuckdb.js';
import { median, p95 } from './lib/stats.js';
import { windowValues } from './lib/window.js';
import { TimedTerminal } from './lib/terminal.js';
import type { Figure } from './report.js';

const ROOT = process.cwd();
const BIN = join(ROOT, 'bin', 'evfix');

async function firstFrame(args: string[], until: string, env: Record<string, string>, command?: string): Promise<{ ms: number; output: string }> {
  const t0 = performance.now();
  const term = new TimedTerminal(args, { columns: 80, rows: 24, env, cwd: ROOT, command });
  try {
    await term.waitFor(until, 20_000);
    return { ms: performance.now() - t0, output: term.output };
  } finally {
    term.kill();
  }
}

/** npm's own script (npm-cli.js), run with this node: `npm start` exactly as an operator types it. */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm && /npm-cli\.js$/.test(fromNpm)) return fromNpm;
  return realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
}

export async function startupBenchmark(dataDir: string, reference: string, runs: number): Promise<Figure[]> {
  const env = { XDG_DATA_HOME: join(dataDir, 'xdg-data'), XDG_STATE_HOME: join(dataDir, 'xdg-state'), CI: 'true' };
  // npm's update check is a registry request of its own, not evfix's start-up.
  const npmEnv = { ...env, npm_config_update_notifier: 'false' };
  const npm = npmCli();
  // The first start creates the demo warehouse; that is set-up, not start-up.
  await firstFrame([BIN], 'stage table ', env);
  const subject: number[] = [],
    ref: number[] = [],
    npmStart: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A plain Ink app draws only its last frame under CI; the reference runs as on an operator's terminal.
    ref.push((await firstFrame([reference], 'row 20', { ...env, CI: 'false' })).ms);
    subject.push((await firstFrame([BIN], 'stage table ', env)).ms);
    // npm start after `npm run build` (which bench runs first): nothing has changed since the last build.
    const started = await firstFrame([npm, 'start'], 'stage table ', npmEnv);
    if (started.output.includes('evfix: building'))
      throw new Error('npm start built evfix: the inputs changed since `npm run build`, or the build stamp is wrong');
    npmStart.push(started.ms);
  }
  return [
    {
      name: 'start: spawn to first frame (80x24)',
      unit: 'ms',
      value: median(subject),
      reference: median(ref),
      ratio: median(subject) / median(ref),
      budget: { ratio: 1.1 },
    },
    {
      // The reference is bin/evfix started directly: the difference is npm and the up-to-date check.
      name: 'start: `npm start` to first frame, nothing changed since the build',
      unit: 'ms',
      value: median(npmStart),
      reference: median(subject),
      ratio: median(npmStart) / median(subject),
      budget: { max: 2000 },
    },
  ];
}

const position = (output: string) => {
  const all = [...output.matchAll(/marked · (\d+)\/(\d+)/g)];
  return Number(all.at(-1)?.[1] ?? NaN);
};

async function keys(term: TimedTerminal, size: string, visibleRows: number) {
  const latencies: number[] = [];
  const moves: number[] = [],
    scrolls: number[] = [],
    toggles: number[] = [];
  // Cursor moves within the window (down, then up again to stay inside it).
  for (let i = 0; i < 8; i++) {
    const r = await term.key(i % 2 ? 'k' : 'j');
    latencies.push(r.ms);
    moves.push(r.bytes);
  }
  // Past the bottom of the window every j scrolls the list by one row.
  for (let i = 0; i < visibleRows + 2; i++) await term.key('j', 20);
  for (let i = 0; i < 10; i++) {
    const r = await term.key('j');
    latencies.push(r.ms);
    scrolls.push(r.bytes);
  }
  for (let i = 0; i < 10; i++) {
    const r = await term.key(' ');
    latencies.push(r.ms);
    toggles.push(r.bytes);
  }
  const valid = latencies.filter((x) => !Number.isNaN(x));
  const figures: Figure[] = [
    { name: `keys ${size}: key to frame, median`, unit: 'ms', value: median(valid) },
    // Operators on large monitors run terminals this size or larger: every size has the same 16 ms budget.
    { name: `keys ${size}: key to frame, p95`, unit: 'ms', value: p95(valid), budget: { max: 16 } },
    {
      name: `keys ${size}: bytes per cursor move`,
      unit: 'bytes',
      value: median(moves),
      budget: size === '80x24' ? { max: 500 } : size === '200x50' ? { max: 600 } : undefined,
    },
    { name: `keys ${size}: bytes per scroll`, unit: 'bytes', value: median(scrolls) },
    { name: `keys ${size}: bytes per selection toggle`, unit: 'bytes', value: median(toggles), budget: size === '80x24' ? { max: 500 } : undefined },
  ];
  if (latencies.length !== valid.length)
    figures.push({ name: `keys ${size}: keys that drew no frame`, unit: 'count', value: latencies.length - valid.length, budget: { max: 0 } });
  return figures;
}

export async function keysBenchmark(dataDir: string, warehouseFile: string, groups: number): Promise<Figure[]> {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'evfix.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      engine: { type: 'duckdb', path: warehouseFile },
      stages: [{ name: 'remittance_was_sent_event', event_name: 'RemittanceWasSent' }],
      // The file's events are at fixed dates; the TUI runs on today's clock.
      lookback_days: 3650,
      read_only: true,
    }),
  );
  const env = { XDG_STATE_HOME: join(dir, 'state'), CI: 'true' };
  const term = new TimedTerminal([BIN, '--config', config], { columns: 80, rows: 24, env, cwd: ROOT });
  try {
    await term.waitFor('remittance_was_sent_event');
    await term.key('\r');
    await term.waitFor('Duplicates by event_id');
    await term.key('\r');
    const t0 = performance.now();
    await term.waitFor(`0 marked · 1/${groups}`, 300_000);
    const loadMs = performance.now() - t0;
    const figures: Figure[] = [{ name: `keys: load ${groups.toLocaleString('en')} duplicate groups into the list`, unit: 'ms', value: loadMs }];
    figures.push(...(await keys(term, '80x24', 20)));

    // A burst of 50 j in one write (an SSH key repeat) moves the cursor 50 rows.
    const before = position(term.output);
    await term.key('j'.repeat(50));
    await new Promise((r) => setTimeout(r, 300));
    figures.push({ name: 'keys: rows a 50-key burst moves the cursor', unit: 'count', value: position(term.output) - before });
    figures.push({ name: 'keys: rows short of 50 after a 50-key burst', unit: 'count', value: 50 - (position(term.output) - before), budget: { max: 0 } });

    term.proc.resize(200, 50);
    await new Promise((r) => setTimeout(r, 500));
    figures.push(...(await keys(term, '200x50', 46)));
    term.proc.resize(300, 80);
    await new Promise((r) => setTimeout(r, 500));
    figures.push(...(await keys(term, '300x80', 76)));
    figures.push({
      name: `memory: peak RSS, ${groups.toLocaleString('en')} groups loaded and browsed`,
      unit: 'MB',
      value: term.peakRssMb(),
      budget: { max: 300 },
    });
    return figures;
  } finally {
    term.kill();
  }
}

/** Every stage row of the list with its counts filled in (no `…` left in the rows). */
const STAGE_ROW = /^[> ] (\w+_event)\s+(\d+|…)\s+(\d+|…)\s+(\d+|…|not built)\s*(.*)$/gm;
function countsFilled(screen: string, stages: number): boolean {
  const rows = [...screen.matchAll(STAGE_ROW)];
  return rows.length >= stages && rows.slice(0, stages).every((r) => r[2] !== '…' && r[3] !== '…' && r[4] !== '…' && r[5] !== '');
}

/**
 * Time to a useful stage list: from spawn to the frame with every count of every stage filled in, against the
 * plain SQL that computes the same counts on the same file (the stage rules' events and duplicate groups, the
 * stage table's own duplicates, the audit table and the rebuilds evfix reads for pending reruns) plus a minimal
 * Ink app's first frame.
 */
export async function stageListBenchmark(
  dataDir: string,
  files: { label: string; path: string; lookbackDays?: number }[],
  reference: string,
  runs: number,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  const env = { XDG_DATA_HOME: join(dataDir, 'xdg-data'), XDG_STATE_HOME: join(dataDir, 'stage-list-state'), CI: 'true' };
  const minimal: number[] = [];
  for (let i = 0; i < runs; i++) minimal.push((await firstFrame([reference], 'row 20', { ...env, CI: 'false' })).ms);
  for (const file of files) {
    const dir = join(dataDir, 'stage-list');
    mkdirSync(dir, { recursive: true });
    const configFile = join(dir, `${file.label.replace(/\W+/g, '-')}.json`);
    const raw = {
      engine: { type: 'duckdb', path: file.path },
      stages: DEMO_STAGES,
      read_only: true,
      ...(file.lookbackDays ? { lookback_days: file.lookbackDays } : {}),
    };
    writeFileSync(configFile, JSON.stringify(raw));
    const config = { ...ConfigSchema.parse(raw), source: 'bench' } as Config & { engine: { type: 'duckdb' } };
    const since = lookbackStart({ config, now: nowMicros });
    const tables = { ...config.tables, stageSchema: config.stage_schema };
    const subject: number[] = [],
      plain: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const term = new TimedTerminal([BIN, '--config', configFile], { columns: 80, rows: 24, env, cwd: ROOT });
      // What the operator sees: Ink redraws only the lines that change, so the screen is read through a terminal.
      const screen = new Screen(80, 24, false);
      term.proc.onData((data) => void screen.write(data));
      try {
        await term.waitFor('evfix · stage tables', 60_000);
        const deadline = Date.now() + 600_000;
        while (!countsFilled(screen.text(), config.stages.length)) {
          if (Date.now() > deadline) throw new Error(`stage list never filled in:\n${screen.text()}`);
          await new Promise((r) => setTimeout(r, 5));
        }
        subject.push(performance.now() - t0);
      } finally {
        term.kill();
      }
      // The same reads, by hand, in a process of their own (DuckDB loaded and the file opened, as evfix must).
      const statements: { sql: string; params: Record<string, unknown> }[] = [];
      const exists = await plainSession(file.path, async (run) => {
        const has = async (t: string) => (await run(`SELECT 1 FROM information_schema.tables WHERE table_schema || '.' || table_name = $t`, { t })) > 0;
        return {
          audit: await has(config.tables.audit),
          rebuilds: await has(reads.rebuildsTable(tables)),
          stages: await Promise.all(config.stages.map((st) => has(stageTable(tables, st)))),
        };
      });
      config.stages.forEach((stage, i) => {
        statements.push({ sql: reads.stageSummarySql(tables), params: windowValues(config, stage, since) });
        if (exists.stages[i]) statements.push({ sql: reads.stageDuplicatesSql(stageTable(tables, stage)), params: { from: since, until: FAR_FUTURE } });
        if (exists.audit) {
          const p = new Params();
          statements.push({ sql: reads.auditReadSql(tables, { stage: stage.name, limit: 500 }, p), params: p.values });
        }
        if (exists.rebuilds) statements.push({ sql: reads.stageRebuildsSql(tables), params: { stage: stage.name } });
      });
      const settings = JSON.stringify(new DuckdbEngine({ ...config, read_only: true }).settings());
      const p0 = performance.now();
      execFileSync(process.execPath, [join(ROOT, 'bench', 'lib', 'plainReads.mjs'), file.path, settings, JSON.stringify(statements)], { cwd: ROOT });
      plain.push(performance.now() - p0);
    }
    const reference = median(plain) + median(minimal);
    figures.push({
      name: `stage list: spawn to every count, ${file.label}`,
      unit: 'ms',
      value: median(subject),
      reference,
      ratio: median(subject) / reference,
      budget: { ratio: 1.2 },
    });
  }
  return figures;
}
