/** Figures from repeated measurements: medians for timings, p95 for latencies. */
export const median = (xs: readonly number[]) => quantile(xs, 0.5);
export const p95 = (xs: readonly number[]) => quantile(xs, 0.95);

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Runs `fn` n times, timing each run in milliseconds. */
export async function timeRuns(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Times a subject and its reference alternately, so both see the same machine
 * noise; returns the runs and the ratio of medians.
 */
export async function versus(n: number, subject: () => Promise<unknown>, reference: () => Promise<unknown>) {
  const s: number[] = [],
    r: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [fn, into] of (i % 2
      ? [
          [reference, r],
          [subject, s],
        ]
      : [
          [subject, s],
          [reference, r],
        ]) as [() => Promise<unknown>, number[]][]) {
      const t0 = performance.now();
      await fn();
      into.push(performance.now() - t0);
    }
  }
  return { subject: median(s), reference: median(r), ratio: median(s) / median(r), runs: { subject: s, reference: r } };
}

/** Peak resident set size of this process while `fn` runs, sampled every 20 ms, in MB. */
export async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}
