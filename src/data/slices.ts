/**
 * Long CPU work in slices. evfix's TUI draws on the same thread as the work
 * behind it (planning, checking and writing 100,000 rows), so that work lets
 * the event loop run every few milliseconds: keys are read and the spinner
 * turns while it goes on. Slices are cut by time, not by row count, because a
 * row costs 0.1 µs in one loop and 25 µs (a hash of canonical JSON) in another.
 */

/**
 * When the event loop last had a turn from here. One clock for all sliced work: one piece of work that ends
 * mid-slice and another that starts at once run in the same turn, and with a clock each they would add up
 * (8 ms + 8 ms + the synchronous bits between) to one long freeze.
 */
let lastYield = performance.now();

/** Lets the event loop run (the TUI draw, a key be read) between slices of long work. */
export const yieldToEventLoop = () =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      lastYield = performance.now();
      resolve();
    }),
  );

/**
 * Work this long between yields stays well inside one frame at 30 fps, with room for what the slice cannot
 * cut: a young-generation collection in the same turn takes 10-16 ms when most of what it finds survives
 * (as a plan being built does).
 */
const SLICE_MS = 5;

/**
 * `due()` says when it is time to yield: the slice since the event loop last ran here is used up (checked every
 * 64 steps). A wait on the warehouse lets the loop run too without resetting it: at worst one yield too many.
 */
function sliceClock() {
  let steps = 0;
  return { due: () => (++steps & 63) === 0 && performance.now() - lastYield > SLICE_MS };
}

/** `rows.map(fn)` in slices with the event loop let run between them, so 100,000 rows never freeze the screen. */
export async function mapInSlices<T, U>(rows: readonly T[], fn: (row: T) => U): Promise<U[]> {
  const out: U[] = new Array(rows.length);
  const clock = sliceClock();
  for (let j = 0; j < rows.length; j++) {
    out[j] = fn(rows[j]!);
    if (clock.due()) {
      await yieldToEventLoop();
    }
  }
  return out;
}

export async function forEachInSlices<T>(rows: Iterable<T>, fn: (row: T) => void): Promise<void> {
  const clock = sliceClock();
  for (const row of rows) {
    fn(row);
    if (clock.due()) {
      await yieldToEventLoop();
    }
  }
}

/** A stable sort in slices: runs of 2,000 sorted on their own, then merged pairwise, yielding as it goes. */
export async function sortInSlices<T>(rows: readonly T[], compare: (a: T, b: T) => number, run = 2_000): Promise<T[]> {
  let runs: T[][] = [];
  for (let i = 0; i < rows.length; i += run) {
    if (i) await yieldToEventLoop();
    runs.push(rows.slice(i, i + run).sort(compare));
  }
  if (runs.length === 0) return [];
  const clock = sliceClock();
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
        if (clock.due()) {
          await yieldToEventLoop();
        }
      }
      next.push(merged);
    }
    runs = next;
  }
  return runs[0]!;
}

/**
 * For loops that are not a plain map: `if (pace.due()) await pace.rest()` once
 * per step yields only when the current slice has run its time. The check is
 * synchronous: an `await` on every one of 100,000 rows costs a microtask each.
 */
export type Pacer = { due(): boolean; rest(): Promise<void> };

export function pacer(): Pacer {
  const clock = sliceClock();
  return { due: clock.due, rest: yieldToEventLoop };
}
