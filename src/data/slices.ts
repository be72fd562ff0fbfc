/**
 * Long CPU work in slices. evfix's TUI draws on the same thread as the work
 * behind it (planning, checking and writing 100,000 rows), so that work lets
 * the event loop run every few thousand rows: keys are read and the spinner
 * turns while it goes on.
 */
/** Lets the event loop run (the TUI draw, a key be read) between slices of long work. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `rows.map(fn)` in slices with the event loop let run between them, so 100,000 rows never freeze the screen. */
export async function mapInSlices<T, U>(rows: readonly T[], fn: (row: T) => U, slice = 2_000): Promise<U[]> {
  const out: U[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i += slice) {
    if (i) await yieldToEventLoop();
    const end = Math.min(rows.length, i + slice);
    for (let j = i; j < end; j++) out[j] = fn(rows[j]!);
  }
  return out;
}


export async function forEachInSlices<T>(rows: readonly T[], fn: (row: T) => void, slice = 5_000): Promise<void> {
  for (let i = 0; i < rows.length; i += slice) {
    if (i) await yieldToEventLoop();
    const end = Math.min(rows.length, i + slice);
    for (let j = i; j < end; j++) fn(rows[j]!);
  }
}

/** A stable sort in slices: each slice sorted on its own, then merged pairwise, yielding between steps. */
export async function sortInSlices<T>(rows: readonly T[], compare: (a: T, b: T) => number, slice = 5_000): Promise<T[]> {
  let runs: T[][] = [];
  for (let i = 0; i < rows.length; i += slice) {
    if (i) await yieldToEventLoop();
    runs.push(rows.slice(i, i + slice).sort(compare));
  }
  if (runs.length === 0) return [];
  while (runs.length > 1) {
    const next: T[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r]!, b = runs[r + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const merged: T[] = new Array(a.length + b.length);
      let i = 0, j = 0, k = 0;
      while (i < a.length || j < b.length) {
        // Ties take from the left run first: the sort stays stable.
        merged[k++] = j >= b.length || (i < a.length && compare(a[i]!, b[j]!) <= 0) ? a[i++]! : b[j++]!;
        if (k % 20_000 === 0) await yieldToEventLoop();
      }
      next.push(merged);
    }
    runs = next;
  }
  return runs[0]!;
}
