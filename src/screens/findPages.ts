/**
 * The events a find matches, as the list on the find-events screen reads them: a page at a time from the
 * engine (findEvents, keyset by (event_created_at, event_id)), a few pages kept around the cursor and the
 * rest dropped. What is remembered of every page reached is only the key it is read after, so a find of a
 * million events costs the list a key per page, never the events themselves.
 *
 * Plain state, no React: the screen's hook asks which pages to read and hands back what it read.
 */
import type { PageKey } from '../data/service/requests.js';
import type { EffectiveEvent } from '../data/model.js';

/** Events per read: a few screens of rows, one small query. */
export const PAGE_SIZE = 100;
/** Pages kept in memory at once; the others are read again when the cursor comes back to them. */
export const CACHED_PAGES = 5;

export type PageCache = {
  /** starts[i]: the key page i is read after (undefined for the first); one for every page reached so far. */
  starts: readonly (PageKey | undefined)[];
  pages: ReadonlyMap<number, readonly EffectiveEvent[]>;
  /** Matches in all, as the latest read counted them. */
  total: number;
};

export const emptyPages = (): PageCache => ({ starts: [undefined], pages: new Map(), total: 0 });

const pageOf = (row: number) => Math.floor(row / PAGE_SIZE);

/** Rows the list can move to: those of the pages whose start is known (G goes to the last of them). */
export const reachableRows = (c: PageCache): number => Math.min(c.total, c.starts.length * PAGE_SIZE);

export function rowAt(c: PageCache, row: number): EffectiveEvent | undefined {
  return c.pages.get(pageOf(row))?.[row % PAGE_SIZE];
}

/** The pages the rows [from, from + count) lie on that are neither in memory nor being read, and can be read. */
export function pagesToRead(c: PageCache, from: number, count: number, reading: ReadonlySet<number>): number[] {
  const last = Math.max(from, Math.min(from + count, Math.max(1, reachableRows(c))) - 1);
  const wanted: number[] = [];
  for (let p = pageOf(from); p <= pageOf(last); p++) if (!c.pages.has(p) && !reading.has(p) && p < c.starts.length) wanted.push(p);
  return wanted;
}

/**
 * A page read: kept, the next page's start learnt from its last event, and the pages furthest from the cursor
 * dropped once more than CACHED_PAGES are held.
 */
export function withPage(c: PageCache, page: number, events: readonly EffectiveEvent[], total: number, cursorRow: number): PageCache {
  const pages = new Map(c.pages).set(page, events);
  let starts = c.starts;
  const last = events[events.length - 1];
  if (events.length === PAGE_SIZE && last && page === starts.length - 1 && (page + 1) * PAGE_SIZE < total) {
    starts = [...starts, { event_created_at: last.event_created_at, event_id: last.event_id }];
  }
  const here = pageOf(cursorRow);
  while (pages.size > CACHED_PAGES) {
    const furthest = [...pages.keys()].reduce((a, b) => (Math.abs(b - here) > Math.abs(a - here) ? b : a));
    pages.delete(furthest);
  }
  return { starts, pages, total };
}

/** The pages the given rows lie on, in order: what building a plan of marked rows reads again if they were dropped. */
export function pagesOfRows(rows: Iterable<number>): number[] {
  return [...new Set([...rows].map(pageOf))].sort((a, b) => a - b);
}
