/**
 * Answers for the fake BigQuery from a small in-memory table set, chosen by
 * the shape of the statement the engine sent. It is not a SQL engine: each
 * read kind answers with the rows a test put in, filtered by the parameters
 * the engine bound (event name, event ids), which is what the tests check.
 */
import type { EventRow, StoredException, StoredExclusion } from '../../src/data/model.js';
import type { QueryAnswer, ReceivedJob } from './fakeBigquery.js';

export type Store = { sources: EventRow[]; exceptions: StoredException[]; exclusions: StoredExclusion[]; fingerprint: string };

const scalar = (job: ReceivedJob, name: string) => job.params.find((p) => p.name === name)?.parameterValue.value ?? undefined;
const array = (job: ReceivedJob, name: string) =>
  (job.params.find((p) => p.name === name)?.parameterValue.arrayValues ?? []).map((v) => v.value as string);

const text = (row: Record<string, unknown>): Record<string, string | null> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? null : typeof v === 'string' ? v : String(v)]));

export function answerFrom(store: Store) {
  return (job: ReceivedJob): QueryAnswer => {
    const sql = job.query ?? '';
    if (/BEGIN TRANSACTION/.test(sql)) return { rows: [] };
    if (/AS fingerprint/.test(sql)) return { rows: [{ fingerprint: store.fingerprint }] };
    // State and lookup reads: one table each, told apart by the alias the engine gives it.
    const table = / AS c WHERE /.test(sql) ? store.exceptions : / AS x WHERE /.test(sql) ? store.exclusions : / AS e WHERE /.test(sql) ? store.sources : undefined;
    if (table && /IN UNNEST\(@event_ids\)/.test(sql)) {
      const ids = new Set(array(job, 'event_ids'));
      return { rows: (table as { event_id: string }[]).filter((r) => ids.has(r.event_id)).map(text) };
    }
    if (table && /@event_id\b/.test(sql)) {
      const id = scalar(job, 'event_id');
      return { rows: (table as { event_id: string }[]).filter((r) => r.event_id === id).map(text) };
    }
    const name = scalar(job, 'event_name');
    const duplicates = () => {
      const rows = store.sources.filter((r) => r.event_name === name);
      const dup = new Set(rows.filter((r, i) => rows.findIndex((o) => o.event_id === r.event_id) !== i).map((r) => r.event_id));
      return rows.filter((r) => dup.has(r.event_id));
    };
    if (/dup AS/.test(sql) && /GROUP BY live\.event_id/.test(sql)) {
      const groups = new Map<string, EventRow[]>();
      for (const r of duplicates()) groups.set(r.event_id, [...(groups.get(r.event_id) ?? []), r]);
      return {
        rows: [...groups.entries()].map(([id, copies]) => {
          const ingested = copies.map((c) => c.event_ingested_at ?? '').sort();
          return { event_id: id, copies: String(copies.length), first_ingested: ingested[0]!, last_ingested: ingested.at(-1)!, identical: String(new Set(copies.map((c) => c.event_data)).size === 1) };
        }),
      };
    }
    if (/dup AS/.test(sql) && /IN UNNEST\(@event_ids\)/.test(sql)) {
      const ids = new Set(array(job, 'event_ids'));
      return { rows: duplicates().filter((r) => ids.has(r.event_id)).map(text) };
    }
    if (/dup AS/.test(sql) && /COUNT\(\*\) AS n/.test(sql)) {
      const counts = new Map<string, number>();
      for (const r of store.sources.filter((r) => r.event_name === name)) counts.set(r.event_id, (counts.get(r.event_id) ?? 0) + 1);
      return { rows: [{ n: String([...counts.values()].filter((n) => n > 1).length) }] };
    }
    if (/dup AS/.test(sql)) {
      const rows = store.sources.filter((r) => r.event_name === name);
      const dup = new Set(rows.filter((r, i) => rows.findIndex((o) => o.event_id === r.event_id) !== i).map((r) => r.event_id));
      return { rows: rows.filter((r) => dup.has(r.event_id)).map(text) };
    }
    if (/COUNT\(\*\) AS events/.test(sql)) return { rows: [{ events: String(store.sources.filter((r) => r.event_name === name).length) }] };
    if (/JOIN UNNEST\(@keys\)/.test(sql)) {
      const keys = (job.params.find((p) => p.name === 'keys')?.parameterValue.arrayValues ?? []).map(
        (v) => `${v.structValues!.event_id!.value}@${v.structValues!.event_created_at!.value}`,
      );
      return {
        rows: store.sources
          .filter((r) => keys.includes(`${r.event_id}@${r.event_created_at}`))
          .map((r) => text({ ...r, is_exception: 'false' })),
      };
    }
    return { rows: [] };
  };
}
