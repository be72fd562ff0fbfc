/** Benchmark figures, their budgets, the printed table and bench/results.json. */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';

export type Budget = { ratio?: number; max?: number };
export type Figure = {
  name: string;
  unit: 'ms' | 'bytes' | 'MB' | 'x' | 'count';
  value: number;
  /** The reference measured in the same run, where there is one. */
  reference?: number;
  ratio?: number;
  budget?: Budget;
};

export function verdict(f: Figure): 'ok' | 'MISS' | '' {
  if (!f.budget) return '';
  if (f.budget.ratio !== undefined && !(f.ratio! <= f.budget.ratio)) return 'MISS';
  if (f.budget.max !== undefined && !(f.value <= f.budget.max)) return 'MISS';
  return 'ok';
}

const fmt = (n: number | undefined, unit?: string) =>
  n === undefined || Number.isNaN(n)
    ? ''
    : `${unit === 'x' ? n.toFixed(2) : n >= 100 ? n.toFixed(0) : n.toFixed(1)}${unit && unit !== 'count' ? ` ${unit}` : ''}`;

export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    fmt(f.value, f.unit),
    fmt(f.reference, f.unit),
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}x`,
    f.budget ? (f.budget.ratio !== undefined ? `<= ${f.budget.ratio}x` : `<= ${fmt(f.budget.max, f.unit)}`) : '',
    verdict(f),
  ]);
  const head = ['benchmark', 'evfix', 'reference', 'ratio', 'budget', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function machine() {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory_gb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function writeResults(file: string, figures: readonly Figure[], seconds: number) {
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    seconds: Math.round(seconds),
    figures: figures.map((f) => ({ ...f, verdict: verdict(f) || undefined })),
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
