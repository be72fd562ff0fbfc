/** The find list's pages: read by keyset as the cursor reaches them, a few kept, the rest dropped and read again. */
import { describe, expect, it } from 'vitest';
import type { EffectiveEvent } from '../../src/data/model.js';
import { CACHED_PAGES, emptyPages, PAGE_SIZE, pagesToRead, reachableRows, rowAt, withPage } from '../../src/screens/findPages.js';

const events = (page: number, count = PAGE_SIZE): EffectiveEvent[] =>
  Array.from({ length: count }, (_, i) => {
    const n = page * PAGE_SIZE + i;
    return {
      event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      event_created_at: `2026-03-10 10:00:00.${String(n).padStart(6, '0')}`,
      event_name: 'RemittanceWasSent',
      user_id: null,
      event_external_reference_id: null,
      event_advisor_id: null,
      event_data: '{}',
      event_ingested_at: null,
      source: 'original',
    };
  });

describe('find pages', () => {
  it('reaches a page only once the page before it was read, and learns where it starts from that page', () => {
    let c = emptyPages();
    expect(pagesToRead(c, 0, 20, new Set())).toEqual([0]);
    c = withPage(c, 0, events(0), 1_000_000, 0);
    expect(reachableRows(c)).toBe(2 * PAGE_SIZE);
    expect(c.starts[1]).toEqual({ event_id: events(0)[PAGE_SIZE - 1]!.event_id, event_created_at: events(0)[PAGE_SIZE - 1]!.event_created_at });
    // Rows 90..109 lie on pages 0 and 1; page 0 is held, page 1 is being read.
    expect(pagesToRead(c, 90, 20, new Set())).toEqual([1]);
    expect(pagesToRead(c, 90, 20, new Set([1]))).toEqual([]);
    expect(rowAt(c, 5)?.event_id).toBe(events(0)[5]!.event_id);
    expect(rowAt(c, 150)).toBeUndefined();
  });

  it('keeps at most CACHED_PAGES pages, dropping those furthest from the cursor, and keeps every start', () => {
    let c = emptyPages();
    const pages = CACHED_PAGES + 4;
    for (let p = 0; p < pages; p++) c = withPage(c, p, events(p), pages * PAGE_SIZE + 7, p * PAGE_SIZE);
    expect(c.pages.size).toBe(CACHED_PAGES);
    expect([...c.pages.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: CACHED_PAGES }, (_, i) => pages - CACHED_PAGES + i));
    expect(c.starts).toHaveLength(pages + 1);
    expect(reachableRows(c)).toBe(pages * PAGE_SIZE + 7);
    // Back at the top: page 0 is read again from its start (none: the first page).
    expect(pagesToRead(c, 0, 20, new Set())).toEqual([0]);
  });

  it('stops at the last page: a short page reveals no further start', () => {
    let c = withPage(emptyPages(), 0, events(0, 42), 42, 0);
    expect(c.starts).toHaveLength(1);
    expect(reachableRows(c)).toBe(42);
    c = withPage(emptyPages(), 0, events(0), PAGE_SIZE, 0);
    expect(c.starts).toHaveLength(1);
    expect(reachableRows(c)).toBe(PAGE_SIZE);
  });
});
